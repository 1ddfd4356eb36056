"""YAML front matter parsed within limits: `load_bounded_yaml`. Pure; safe loader only.

A README's front matter is anyone's text. PyYAML's `safe_load` never runs code, but on
hostile input it still raises outside `yaml.YAMLError` (an impossible `2024-13-45` date from
its timestamp constructor, an integer of more than 4,300 digits), recurses once per nesting
level (`RecursionError` a few thousand levels down), and lets anchors and aliases describe a
document exponentially larger than its text ("billion laughs") for whoever walks it later.
This loader is PyYAML's `SafeLoader` with:

- a size limit (`MAX_YAML_CHARS`) checked before parsing;
- a nesting limit (`MAX_YAML_DEPTH`) checked while composing, before Python recurses;
- an alias limit (`MAX_YAML_ALIASES`): a document using more aliases is refused;
- timestamps kept as text (no date constructor at all), and integers beyond int64 kept as
  their text, so no value can fail to construct.

Every refusal is a `yaml.YAMLError` (`YamlLimitError`, `YamlValueError`), so callers have
one error to catch.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import Node, ScalarNode

MAX_YAML_CHARS = 1_000_000
MAX_YAML_DEPTH = 64
MAX_YAML_ALIASES = 100
_INT64 = (-(2**63), 2**63 - 1)


class YamlLimitError(yaml.YAMLError):
    """The YAML exceeds a limit (size, depth, aliases); the message says which."""


class YamlValueError(yaml.YAMLError):
    """A value that cannot be constructed (e.g. `!!int abc`, `!!bool maybe`)."""


class BoundedSafeLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` with depth and alias limits, timestamps as text, big ints as text."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise YamlLimitError(f"more than {MAX_YAML_ALIASES} aliases")
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise YamlLimitError(f"nested more than {MAX_YAML_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: ScalarNode) -> int | str:
        text = str(node.value)
        digits = text.replace("_", "").lstrip("+-")
        if len(digits) > 20:  # beyond int64 whatever its base; keep as written
            return text
        value = SafeConstructor.construct_yaml_int(self, node)
        return value if _INT64[0] <= value <= _INT64[1] else text


# Timestamps stay strings: drop the implicit timestamp resolver and its constructor.
BoundedSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
BoundedSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
BoundedSafeLoader.add_constructor("tag:yaml.org,2002:int", BoundedSafeLoader.construct_yaml_int)


def load_bounded_yaml(text: str) -> Any:
    """The YAML document in `text`, within the module's limits.

    :raises yaml.YAMLError: malformed YAML, or `YamlLimitError` naming the limit exceeded.
    """
    if len(text) > MAX_YAML_CHARS:
        raise YamlLimitError(f"{len(text):,} characters, more than the limit of {MAX_YAML_CHARS:,}")
    loader = BoundedSafeLoader(text)
    try:
        return loader.get_single_data()
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as error:
        # Constructors of explicitly tagged scalars raise these instead of YAMLError.
        raise YamlValueError(f"cannot construct a value: {type(error).__name__}: {error}") from None
    finally:
        loader.dispose()
