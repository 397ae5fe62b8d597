"""Reading analyst-edited YAML files strictly.

PyYAML keeps the last of two equal mapping keys without a word; in a plan or
feature file that silently drops a definition, so a duplicate is an error here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from saas_tracker.control.errors import ValidationError


class _StrictLoader(yaml.SafeLoader):
    pass


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ValidationError(
                f"file: {node.start_mark.name}, line {key_node.start_mark.line + 1}: duplicate key {key!r}",
                field="file",
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(path: str | Path) -> Any:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"file: {path} does not exist", field="file") from None
    return parse_yaml_text(text, str(path))


def parse_yaml_text(text: str, name: str = "<text>") -> Any:
    """Parse YAML with the safe loader, refusing duplicate keys; errors name ``name`` and the line."""
    try:
        loader = _StrictLoader(text)
        loader.name = name
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise ValidationError(f"file: {name} is not valid YAML: {error}", field="file") from None
