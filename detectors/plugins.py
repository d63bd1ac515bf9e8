"""Explicit plugin registries: a name maps to a config model and a factory.

Rules and detectors register through the same path third-party plugins would; nothing is found
by walking directories or subclass lists. Each plugin owns its configuration model, so the core
schema never names a vendor.

Protection is on by default: a plugin registered ``default_on`` runs for every tenant whether or
not the tenant names it (naming a table only changes its settings), and the only way to switch
a plugin off is an explicit ``action = "off"`` in its table (``Registry.active``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T")


@dataclass(frozen=True)
class Plugin(Generic[T]):
    """A registered rule or detector."""

    name: str
    """Key under the tenant's ``rules`` or ``detectors`` table."""
    config_model: type[BaseModel]
    """Pydantic model that validates the plugin's table."""
    factory: Callable[[Any], T]
    """Builds the plugin from its validated config."""


def switched_off(table: Any) -> bool:
    """Whether a plugin table turns its plugin off: ``action = "off"``, with no category
    override (detectors) switching one category back on."""
    if not isinstance(table, dict) or table.get("action") != "off":
        return False
    categories = table.get("categories")
    overrides = categories.values() if isinstance(categories, dict) else ()
    return not any(
        isinstance(override, dict) and override.get("action") not in (None, "off")
        for override in overrides
    )


class Registry(Generic[T]):
    """Plugins of one kind (``rule`` or ``detector``) by name."""

    def __init__(self, kind: str):
        self.kind = kind
        self._plugins: dict[str, Plugin[T]] = {}
        self._default_on: set[str] = set()

    def register(self, plugin: Plugin[T], *, default_on: bool = False) -> None:
        """Add ``plugin``; a second plugin under the same name is a programming error.

        ``default_on`` plugins run for every tenant unless its table says ``action = "off"``;
        the others (those that need tenant data, such as a corpus) run only when named.
        """
        if plugin.name in self._plugins:
            raise ValueError(f"{self.kind} {plugin.name!r} is already registered")
        self._plugins[plugin.name] = plugin
        if default_on:
            self._default_on.add(plugin.name)

    def active(self, tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The tables of the plugins that run, in registration order: every ``default_on``
        plugin (with its table, or ``{}``) and every other plugin a table names, except those
        switched off. Names that are not registered are kept, so validation reports them."""
        active = {
            name: tables.get(name, {})
            for name in self._plugins
            if name in tables or name in self._default_on
        }
        active.update((name, table) for name, table in tables.items() if name not in active)
        return {name: table for name, table in active.items() if not switched_off(table)}

    def __contains__(self, name: object) -> bool:
        return name in self._plugins

    def __iter__(self) -> Iterator[str]:
        return iter(self._plugins)

    def get(self, name: str) -> Plugin[T]:
        """The plugin registered as ``name``."""
        return self._plugins[name]

    def validate(self, tables: dict[str, dict[str, Any]], path: str) -> list[tuple[str, str]]:
        """Problems, as ``(key path, message)``, in a tenant's tables for this kind."""
        problems: list[tuple[str, str]] = []
        for name, table in tables.items():
            plugin = self._plugins.get(name)
            if plugin is None:
                known = ", ".join(sorted(self._plugins)) or "none"
                problems.append((f"{path}.{name}", f"unknown {self.kind} (known: {known})"))
                continue
            if switched_off(table):
                # Settings of a switched-off plugin need not be complete, only spelled right.
                fields = plugin.config_model.model_fields
                problems += [
                    (f"{path}.{name}.{key}", "Extra inputs are not permitted")
                    for key in table
                    if key not in fields
                ]
                continue
            try:
                plugin.config_model.model_validate(table)
            except ValidationError as exc:
                problems += [
                    (".".join([path, name, *map(str, err["loc"])]), err["msg"])
                    for err in exc.errors()
                ]
        return problems

    def build(
        self, tables: dict[str, dict[str, Any]], shared: dict[str, Any] | None = None
    ) -> list[T]:
        """Instances of every plugin named in ``tables``, in registration order."""
        return [instance for _, instance in self.build_configured(tables, shared)]

    def build_configured(
        self, tables: dict[str, dict[str, Any]], shared: dict[str, Any] | None = None
    ) -> list[tuple[Any, T]]:
        """``(validated config, instance)`` of every plugin named in ``tables``.

        With ``shared``, plugins with identical settings are built once and reused: they keep
        no request state, and tenants inheriting one ``[defaults]`` would otherwise load the
        same models and indexes once each.
        """
        built = []
        for name, plugin in self._plugins.items():
            if name not in tables:
                continue
            config = plugin.config_model.model_validate(tables[name])
            key = f"{self.kind}:{name}:{config.model_dump_json()}"
            if shared is not None and key in shared:
                built.append(shared[key])
                continue
            pair = (config, plugin.factory(config))
            if shared is not None:
                shared[key] = pair
            built.append(pair)
        return built
