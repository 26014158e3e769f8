"""What a new version of the reference data changes, item by item, for an admin to read before putting it in
force: catalogue materials by their key, foreign bodies and deadlines by their name or group, word lists by their
words, settings by their value.

Pure: two versions of the data in, a list of :class:`Change` out; a page words them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Change", "reference_changes"]

#: How the items of a list of objects are told apart, tried in this order.
_ITEM_KEYS = ("key", "name", "group")


@dataclass(frozen=True)
class Change:
    """One difference: in `section`, `item` was added, removed or changed (`field` from `before` to `after`)."""

    section: str
    action: str  # added, removed, changed
    item: str | None = None
    field: str | None = None
    before: Any = None
    after: Any = None


def _item_name(entry: Any) -> str:
    if isinstance(entry, Mapping):
        label = entry.get("label")
        if isinstance(label, Mapping) and label.get("id"):
            return str(label["id"])
        for key in _ITEM_KEYS:
            if key in entry:
                names = entry.get("names")
                return str(names[0]) if key == "key" and isinstance(names, list) and names else str(entry[key])
        return json.dumps(entry, sort_keys=True, ensure_ascii=False)
    return str(entry)


def _identity(entry: Any) -> str:
    if isinstance(entry, Mapping):
        for key in _ITEM_KEYS:
            if key in entry:
                return f"{key}:{entry[key]}"
    return json.dumps(entry, sort_keys=True, ensure_ascii=False)


def _list_changes(section: str, before: list[Any], after: list[Any], item: str | None = None) -> list[Change]:
    old, new = {_identity(e): e for e in before}, {_identity(e): e for e in after}
    if item is not None and not any(isinstance(e, Mapping) for e in (*before, *after)):
        # A list inside one item (a material's names): what was added and removed, as one line each.
        added, removed = [new[k] for k in new if k not in old], [old[k] for k in old if k not in new]
        found = []
        if added:
            found.append(Change(section, "changed", item, "+" + section, None, added))
        if removed:
            found.append(Change(section, "changed", item, "-" + section, removed, None))
        return found
    changes = [Change(section, "added", _item_name(new[k])) for k in new if k not in old]
    changes += [Change(section, "removed", _item_name(old[k])) for k in old if k not in new]
    for key in old.keys() & new.keys():
        if old[key] != new[key] and isinstance(old[key], Mapping) and isinstance(new[key], Mapping):
            changes += _fields(section, _item_name(new[key]), old[key], new[key])
    return changes


def _fields(section: str, item: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    found = []
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        if isinstance(was, list) and isinstance(now, list):
            for change in _list_changes(name, was, now, item=item):
                found.append(Change(section, "changed", item, change.field, change.before, change.after))
        else:
            found.append(Change(section, "changed", item, name, was, now))
    return found


def reference_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """Every difference between two versions of the reference data, section by section.

    >>> old = {"version": "1", "khamr_words": ["arak"], "materials": [{"key": "egg", "names": ["telur"]}]}
    >>> new = {"version": "2", "khamr_words": ["arak", "tuak"], "materials": [{"key": "egg", "names": ["telur", "x"]}]}
    >>> for c in reference_changes(old, new):
    ...     print(c.section, c.action, c.item, c.field)
    khamr_words added tuak None
    materials changed telur +names
    version changed None None
    """
    changes: list[Change] = []
    for section in sorted(before.keys() | after.keys()):
        was, now = before.get(section), after.get(section)
        if was == now:
            continue
        if isinstance(was, list) and isinstance(now, list):
            changes += _list_changes(section, was, now)
        elif isinstance(was, Mapping) and isinstance(now, Mapping):
            for name in sorted(was.keys() | now.keys()):
                if was.get(name) == now.get(name):
                    continue
                if isinstance(was.get(name), list) and isinstance(now.get(name), list):
                    changes += [
                        Change(section, c.action, c.item, name, c.before, c.after)
                        for c in _list_changes(name, was[name], now[name])
                    ]
                else:
                    changes.append(Change(section, "changed", None, name, was.get(name), now.get(name)))
        else:
            changes.append(Change(section, "changed", None, None, was, now))
    return changes
