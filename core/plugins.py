"""Loading plug-ins and keeping the registry of policies and event kinds."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pluggy
from qcredit.core import hookspecs
from qcredit.core.errors import NotFound, PluginConflict
from qcredit.core.parameters import load_override_file
from qcredit.core.policy import Policy
from qcredit.core.vocabulary import Vocabulary

log = logging.getLogger(__name__)

# Comma-separated policy ids to load; unset loads every installed policy (as datasette's
# DATASETTE_LOAD_PLUGINS does for plug-ins).
LOAD_ENV = "QCREDIT_LOAD_POLICIES"
# Path of a TOML file of parameter overrides, ``[policy_id] name = value``.
PARAMETERS_ENV = "QCREDIT_PARAMETERS"


def plugin_manager(
    extra_plugins: Iterable[Any] = (), entry_points: bool = True
) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if entry_points:
        pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
    for plugin in extra_plugins:
        pm.register(plugin)
    return pm


def _source_of(pm: pluggy.PluginManager, plugin: object) -> str:
    for p, dist in pm.list_plugin_distinfo():
        if p is plugin:
            return f"{dist.project_name} {dist.version}"
    return pm.get_name(plugin) or repr(plugin)


@dataclass
class Registry:
    """The policies and event kinds of this installation."""

    pm: pluggy.PluginManager
    policies: dict[str, Policy] = field(default_factory=dict)
    vocabulary: Vocabulary = field(default_factory=Vocabulary.with_core)
    sources: dict[str, str] = field(default_factory=dict)
    plugins: dict[str, object] = field(default_factory=dict)  # policy id -> plug-in object

    @classmethod
    def load(
        cls,
        extra_plugins: Iterable[Any] = (),
        *,
        entry_points: bool = True,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        only: Iterable[str] | None = None,
    ) -> Registry:
        pm = plugin_manager(extra_plugins, entry_points)
        registry = cls(pm)
        if only is None and os.environ.get(LOAD_ENV):
            only = [s.strip() for s in os.environ[LOAD_ENV].split(",") if s.strip()]
        wanted = set(only) if only is not None else None
        if overrides is None and os.environ.get(PARAMETERS_ENV):
            overrides = load_override_file(os.environ[PARAMETERS_ENV])
        for impl in pm.hook.qcredit_policies.get_hookimpls():
            source = _source_of(pm, impl.plugin)
            for policy in impl.function() or ():
                if registry._add_policy(policy, source, wanted):
                    registry.plugins[policy.id] = impl.plugin
        for impl in pm.hook.qcredit_event_kinds.get_hookimpls():
            source = _source_of(pm, impl.plugin)
            for kind in impl.function() or ():
                if kind.source == "core":
                    kind = replace(kind, source=source)
                registry.vocabulary.register(kind)
        for policy_id, values in (overrides or {}).items():
            if policy_id in registry.policies:
                registry.apply_overrides(policy_id, values, origin=f"override ({PARAMETERS_ENV})")
        return registry

    def _add_policy(self, policy: Policy, source: str, wanted: set[str] | None) -> bool:
        if policy.id in self.policies:
            raise PluginConflict(
                f"two plug-ins register policy id {policy.id!r}: {self.sources[policy.id]} and "
                f"{source}; uninstall one, or give one another id"
            )
        if wanted is not None and policy.id not in wanted:
            return False
        self.policies[policy.id] = policy
        self.sources[policy.id] = source
        return True

    def demo_records(self, today: date) -> list[dict[str, Any]]:
        """Demo records of the plug-ins whose policies are loaded (``QCREDIT_LOAD_POLICIES``)."""
        loaded = {id(p) for p in self.plugins.values()}
        records: list[dict[str, Any]] = []
        for impl in self.pm.hook.qcredit_demo_records.get_hookimpls():
            if id(impl.plugin) in loaded:
                records.extend(impl.function(today=today) or ())
        return records

    def apply_overrides(self, policy_id: str, values: Mapping[str, Any], origin: str) -> None:
        policy = self.policies[policy_id]
        policy.parameters = policy.parameters.with_overrides(values, origin)

    def policy(self, policy_id: str) -> Policy:
        try:
            return self.policies[policy_id]
        except KeyError:
            raise NotFound(
                f"no policy {policy_id!r}; installed: {', '.join(sorted(self.policies))}",
                field="policy",
            ) from None

    def all_policies(self) -> list[Policy]:
        return [self.policies[k] for k in sorted(self.policies)]
