"""Download counts of other package registries (NPM, PyPI) from their public APIs, for
Figure 1's fresh series: `downloads` (client, parsing, package lists) and `command`
(`ptm fetch-downloads`)."""
