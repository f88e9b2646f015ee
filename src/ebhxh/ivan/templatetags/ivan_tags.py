"""Form rendering for the I-VAN pages: every field with its label, help and coded errors."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.core.exceptions import NON_FIELD_ERRORS

register = template.Library()


@register.inclusion_tag("ivan/_field.html")
def field(bound: forms.BoundField, **attrs: Any) -> dict[str, Any]:
    """Label, widget, help text and each error with its stable code (support staff ask for it)."""
    found = bound.form.errors.as_data().get(bound.name, []) if bound.form.is_bound else []
    errors = [(error.code or "", message) for error in found for message in error.messages]
    if errors:  # the field's widget belongs to this form instance (Django deep-copies it)
        bound.field.widget.attrs.update(
            {"aria-invalid": "true", "aria-describedby": f"{bound.auto_id}-error"}
        )
    return {
        "field": bound,
        "errors": errors,
        "error_id": f"{bound.auto_id}-error",
        "checkbox": isinstance(bound.field.widget, forms.CheckboxInput),
        **attrs,
    }


@register.filter
def coded_errors(form: forms.Form) -> list[tuple[str, str]]:
    """The form's non-field errors with their codes."""
    found = form.errors.as_data().get(NON_FIELD_ERRORS, []) if form.is_bound else []
    return [(error.code or "", message) for error in found for message in error.messages]
