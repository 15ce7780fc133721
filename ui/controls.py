"""Gradio components made from the request spec (emojigen/spec.py): the API's parameter components and
the page's sliders get their names, defaults, ranges and labels from the declarations, never by hand.

API parameters take their raw value straight through to the library's validation: Gradio's own
Number and Checkbox would reject NaN, infinity or text with an internal message before our code ran.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr
from gradio.utils import NamedString

from emojigen.spec import ENDPOINTS, Param, defaults


def as_sent(component: gr.components.Component) -> gr.components.Component:
    """Pass this component's value on exactly as the client sent it, so the library's validation names
    the parameter and what it accepts ("abc" for a number, NaN, or "yes?" for true/false). Set on the
    instance: a component subclass would make Gradio write a .pyi stub beside this file."""
    component.preprocess = _unchanged  # type: ignore[method-assign]
    return component


def _unchanged(payload: Any) -> Any:
    return payload


def api_component(param: Param) -> gr.components.Component:
    """The hidden component behind one API parameter."""
    if param.kind == "image":
        # A File, not an Image: the library decodes it and explains what is wrong with a bad upload.
        upload = gr.File(label=param.name, type="filepath")
        # Gradio's File opens an empty temporary file per request that it never uses or deletes: hand
        # the uploaded file's path on without it (on the instance, like as_sent).
        upload._process_single_file = lambda data: NamedString(data.path)
        return upload
    if param.kind in ("int", "float"):
        return as_sent(gr.Number(label=param.name, value=_initial(param),
                                 precision=0 if param.kind == "int" else None))
    if param.kind == "bool":
        box = gr.Checkbox(label=param.name, value=_initial(param))
        box.value = _initial(param)  # None stays None ("left out": the server decides); Gradio makes it False
        return as_sent(box)
    return as_sent(gr.Textbox(label=param.name, value=_initial(param)))


def _initial(param: Param) -> Any:
    return defaults()[param.name]


def signature_for(names: Sequence[str]) -> inspect.Signature:
    """A signature that names every API parameter (gradio_client keywords) and makes each optional; the
    trailing progress parameter is how Gradio injects its progress tracker."""
    parameters = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None) for name in names]
    parameters.append(inspect.Parameter("progress", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=gr.Progress()))
    return inspect.Signature(parameters)


def endpoint(names: Sequence[str], work: Callable[[dict[str, Any], Any], Any], doc: str) -> Callable[..., Any]:
    """A Gradio function taking the named parameters in order; `work(values_by_name, progress)`."""
    def fn(*args: Any) -> Any:
        values = dict(zip(names, args, strict=False))
        progress = args[len(names)] if len(args) > len(names) else None
        return work(values, progress)

    fn.__signature__ = signature_for(names)  # type: ignore[attr-defined]
    fn.__doc__ = doc
    fn.__name__ = "endpoint"
    return fn


def slider(param: Param, label: Any, info: Any = None, **kwargs: Any) -> gr.Slider:
    """A page slider over the declared range, starting at the declared default (or what "left out"
    comes to, for fields whose default is automatic)."""
    value = _initial(param)
    return gr.Slider(param.minimum, param.maximum, value=param.auto if value is None else value,
                     step=param.step or (1 if param.kind == "int" else 0.05), label=label, info=info, **kwargs)


class StickerBlocks(gr.Blocks):
    """Blocks that let plain-HTTP clients of an older version send fewer values: parameters added to an
    endpoint since then come at the end, and a value left off means None, the declared default."""

    def validate_inputs(self, block_fn: Any, inputs: list[Any]) -> None:
        if block_fn.api_name in (*ENDPOINTS, "rate", "history") and len(inputs) < len(block_fn.inputs):
            inputs.extend([None] * (len(block_fn.inputs) - len(inputs)))
        super().validate_inputs(block_fn, inputs)
