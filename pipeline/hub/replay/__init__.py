"""The replay Hub: recorded Hugging Face Hub data served over real HTTP on 127.0.0.1.

Modules, one job each:

- `store`: `ReplayStore`, the recorded models, renames, READMEs and org overviews;
- `wire`: the Hub's answer and error format (`Answer`, `X-Error-Code`, git blob ETag);
- `fields`: expand vocabulary and projection helpers shared by listing and model_info;
- `listing`: `GET /api/models` (filter, sort, project, cursor pages) as pure functions;
- `info`: the `GET /api/models/{repo_id}` body as pure functions;
- `routes`: one request to one answer (model_info, resolve, orgs, errors, renames);
- `limits`: fixed-window rate limits and seeded fault drawing;
- `server`: `ReplayKnobs` and `ReplayHub`, the HTTP server;
- `command`: the `ptm replay-hub` sub-command.
"""
