"""Help text helpers shared by the sub-commands: defaults and presets spelled out.

    show_defaults(command, TrainConfig)      # "[default: 499]" on options left None
    preset_help()                            # what each --preset sets, for --preset's help
    explain_defaults(command)                # every option says its default (the CLI group)

Options whose click default is None (so that a config file or preset can fill
them) still say what they fall back to: the dataclass field of the same name.
``explain_defaults`` is applied by the ``rmt-bench`` group to every sub-command, so a
new command shows its defaults too: click's ``[default: X]`` where there is a value,
``[default: none]`` where an option without one says nothing in words.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import click


def _text(value: Any) -> str:
    """A value as its flag spells it: ``1,2,3`` for a curriculum, ``16:0.0001`` for pairs."""
    if isinstance(value, (tuple, list)):
        if value and isinstance(value[0], (tuple, list)):  # --lr-from, --steps-from pairs
            from rmt_bench.train.stage_values import format_from

            return format_from(value)
        return ",".join(str(item) for item in value)
    return str(value)


def _unset(default: Any) -> bool:
    """True for an option without a default (None, or click's UNSET sentinel)."""
    return default is None or type(default).__name__ == "Sentinel"


def show_defaults(command: click.Command, config_cls: Any, note: str = "") -> click.Command:
    """Append ``[default: X]`` (from ``config_cls``'s fields) to options that show none."""
    defaults = {}
    for field in dataclasses.fields(config_cls):
        if field.default is not dataclasses.MISSING:
            defaults[field.name] = field.default
        elif field.default_factory is not dataclasses.MISSING:
            defaults[field.name] = field.default_factory()
    for param in command.params:
        if not isinstance(param, click.Option) or param.is_flag or param.show_default:
            continue
        name = param.name or ""
        if name not in defaults or not _unset(param.default):
            continue
        value = defaults[name]
        if value is None or value == "" or "default" in (param.help or "").lower():
            continue  # unset means "not used"; or the help already says it in words
        param.help = f"{param.help or ''} [default: {_text(value)}]".strip()
    if note:
        command.help = f"{command.help or ''}\n\n{note}".strip()
    return command


def _settings(values: dict[str, Any]) -> str:
    """``key=value, ...`` of a preset's values."""
    return ", ".join(f"{key}={_text(value)}" for key, value in values.items())


def preset_help() -> str:
    """``--preset`` help: every preset with the values it sets (and its per-task changes)."""
    from rmt_bench.train.presets import KIND_OVERRIDES, PRESETS, TASK_OVERRIDES

    parts = []
    for name, values in PRESETS.items():
        tasks = [
            f"{task}: {_settings(changes)}"
            for (preset, task), changes in TASK_OVERRIDES.items()
            if preset == name
        ]
        tasks += [
            f"{task} with --model-kind {kind}"
            + (" (the default)" if kind == "rmt" else "")
            + f": {_settings(changes)}"
            for (preset, task, kind), changes in KIND_OVERRIDES.items()
            if preset == name
        ]
        extra = f" (per task: {'; '.join(tasks)})" if tasks else ""
        parts.append(f"{name}: {_settings(values)}{extra}.")
    return "A named recipe placed below --config and the flags. " + " ".join(parts)


def _says_default(option: click.Option) -> bool:
    """True when the help already names a default (or that the option is required)."""
    text = (option.help or "").lower()
    return "default" in text or "required" in text or bool(option.show_default)


def explain_defaults(command: click.Command) -> click.Command:
    """Make every option of ``command`` show its default in ``--help`` (idempotent).

    Plain on/off flags (off unless given) and required options (click's, or "required"
    in the help, for options a config file may give instead) are left alone.
    """
    for param in command.params:
        if not isinstance(param, click.Option) or param.required or param.hidden:
            continue
        if param.is_flag and not param.secondary_opts:
            continue
        if _says_default(param):
            continue
        if _unset(param.default):
            param.help = f"{param.help or ''} [default: none]".strip()
        else:
            param.show_default = True
    return command
