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
from qcredit.core.contract import NoticeRules
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


def _answers_by_plugin(pm: pluggy.PluginManager, name: str) -> list[tuple[object, list[Any]]]:
    """Call hook ``name`` through pluggy once per plug-in, so each answer is known by the plug-in
    that gave it (a conflict names both sources).  Each call goes through pluggy's hook caller:
    implementations may take any subset of the arguments and the plug-in's wrappers apply.
    Plug-ins come in registration order."""
    plugins = pm.get_plugins()
    order = {id(impl.plugin): i for i, impl in enumerate(getattr(pm.hook, name).get_hookimpls())}
    out = []
    for plugin in sorted((p for p in plugins if id(p) in order), key=lambda p: order[id(p)]):
        caller = pm.subset_hook_caller(name, remove_plugins=[p for p in plugins if p is not plugin])
        out.append((plugin, list(reversed(caller()))))
    return out


@dataclass
class Registry:
    """The policies and event kinds of this installation."""

    pm: pluggy.PluginManager
    policies: dict[str, Policy] = field(default_factory=dict)
    vocabulary: Vocabulary = field(default_factory=Vocabulary.with_core)
    sources: dict[str, str] = field(default_factory=dict)
    plugins: dict[str, object] = field(default_factory=dict)  # policy id -> plug-in object
    _notice_rules: dict[str, list[NoticeRules]] = field(default_factory=dict, repr=False)

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
        for plugin, answers in _answers_by_plugin(pm, "qcredit_policies"):
            source = _source_of(pm, plugin)
            for policy in (p for answer in answers for p in answer or ()):
                if registry._add_policy(policy, source, wanted):
                    registry.plugins[policy.id] = plugin
        for plugin, answers in _answers_by_plugin(pm, "qcredit_event_kinds"):
            source = _source_of(pm, plugin)
            for kind in (k for answer in answers for k in answer or ()):
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
        others = [p for p in self.pm.get_plugins() if id(p) not in loaded]
        hook = self.pm.subset_hook_caller("qcredit_demo_records", remove_plugins=others)
        return [record for answer in reversed(hook(today=today)) for record in answer or ()]

    def notice_rules(self, policy: Policy) -> list[NoticeRules]:
        """The policy's own notice rules, then those cross-cutting plug-ins add through the
        ``qcredit_notice_rules`` hook; asked once per policy and kept."""
        if policy.id not in self._notice_rules:
            found = [policy.notice_rules(), *self.pm.hook.qcredit_notice_rules(policy=policy)]
            self._notice_rules[policy.id] = [r for r in found if r is not None]
        return self._notice_rules[policy.id]

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
