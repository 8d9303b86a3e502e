"""The quiz's forms: one WTForms form per page of a bank, built from the bank and kept for reuse.

WTForms (through Flask-WTF, for its CSRF token) parses and validates what a page posts; the
markup is written by a Jinja macro straight from the bank (templates/take/_questions.html),
which is several times faster than WTForms' widgets (see the performance notes).

Field names are the question ids, so a post reads `fundamentals=4&tools=kubeflow&tools=pytorch`,
the same values the JSON API takes. The forms are `BaseForm`s, reached by `form[question_id]`,
because a question id such as `data` or `validate` would clash with a `Form` attribute.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext, ngettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField
from wtforms.form import BaseForm
from wtforms.validators import StopValidation

from quiz.bank import Bank, Question

try:  # WTForms 3.3 declares choices as SelectChoice; plain tuples are deprecated there
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover - older WTForms
    def _Choice(value: Any, label: str) -> tuple[Any, str]:
        return (value, label)


def _choices(values: Sequence[Any]) -> list[Any]:
    return [_Choice(v, str(v)) for v in values]


def _value(choice: Any) -> Any:
    return choice.value if hasattr(choice, "value") else choice[0]


# -- fields -------------------------------------------------------------------------------------

def _not_an_option() -> str:
    return gettext("That answer is not one of the options. Please choose again.")


class SingleAnswerField(RadioField):
    """A `scale` point (an integer) or a `choice` option id. A value that is not one of the
    choices (a tampered post) is flagged rather than raising, so the other answers still count."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)  # checked below, with our own message
        super().__init__(*args, **kwargs)
        self.allowed = frozenset(_value(c) for c in self.choices)
        self.invalid = False

    def process_formdata(self, valuelist: Sequence[str]) -> None:
        self.invalid = False
        raw = valuelist[0] if valuelist else ""
        if raw == "":
            self.data = None
            return
        try:
            value = self.coerce(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or value not in self.allowed:
            self.data, self.invalid = None, True
        else:
            self.data = value

    def pre_validate(self, form: BaseForm) -> None:
        if self.invalid:
            raise StopValidation(_not_an_option())


class MultiAnswerField(SelectMultipleField):
    """A `multi` question's option ids, in the bank's option order, each at most once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
        self.order = {_value(c): i for i, c in enumerate(self.choices)}
        self.invalid = False

    def process_formdata(self, valuelist: Sequence[str]) -> None:
        self.invalid = any(v not in self.order for v in valuelist)
        self.data = sorted({v for v in valuelist if v in self.order}, key=self.order.__getitem__)

    def pre_validate(self, form: BaseForm) -> None:
        if self.invalid:
            raise StopValidation(_not_an_option())


# -- validators ---------------------------------------------------------------------------------

def _unanswered(value: Any) -> bool:
    return value is None or value == [] or value == ()


class Answered:
    """A required question must have an answer. The message says what to do, per question type,
    in the taker's language (looked up when validating, not when the form class is built)."""

    field_flags = {"required": True}

    def __init__(self, qtype: str):
        self.qtype = qtype

    def __call__(self, form: BaseForm, field: Any) -> None:
        if _unanswered(field.data):
            raise StopValidation(required_message(self.qtype))


def required_message(qtype: str) -> str:
    if qtype == "scale":
        return gettext("Choose a point on the scale.")
    if qtype == "multi":
        return gettext("Choose at least one answer.")
    return gettext("Choose one answer.")


class AtMost:
    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form: BaseForm, field: Any) -> None:
        if field.data and len(field.data) > self.limit:
            raise StopValidation(ngettext("Choose at most %(num)d answer; you chose %(chosen)d.",
                                          "Choose at most %(num)d answers; you chose %(chosen)d.",
                                          self.limit, chosen=len(field.data)))


# -- forms --------------------------------------------------------------------------------------

def _field(q: Question) -> Any:
    # label="": the markup is ours, and WTForms would otherwise translate a label per field.
    validators: list[Any] = [Answered(q.type)] if q.required else []
    if q.type == "scale":
        assert q.scale is not None
        return SingleAnswerField("", choices=_choices(q.scale.values), coerce=int, validators=validators)
    if q.type == "choice":
        return SingleAnswerField("", choices=_choices(q.option_ids), coerce=str, validators=validators)
    if q.max_choices:
        validators.append(AtMost(q.max_choices))
    return MultiAnswerField("", choices=_choices(q.option_ids), coerce=str, validators=validators)


class PageForm(BaseForm):
    """One page's questions plus Flask-WTF's CSRF token (when WTF_CSRF_ENABLED)."""

    def __init__(self, questions: tuple[Question, ...], formdata: Any = None, data: dict | None = None):
        super().__init__([(q.id, _field(q)) for q in questions], meta=FlaskForm.Meta())
        self.questions = questions
        self.process(formdata, data=data or {})

    @property
    def csrf_field(self) -> Any:
        return self._fields.get(self.meta.csrf_field_name) if self.meta.csrf else None

    def csrf_failed(self) -> bool:
        """Whether the CSRF check failed; call after validate()."""
        field = self.csrf_field
        return bool(field is not None and field.errors)

    def answers(self) -> tuple[dict[str, Any], tuple[str, ...]]:
        """After validate(): the valid answers on this page, and the ids of questions the taker
        left empty (a multi question with every box unticked clears an earlier answer).

        Only valid values are returned; an invalid one (not an option) is not stored, and the
        page shows why."""
        given: dict[str, Any] = {}
        cleared: list[str] = []
        for q in self.questions:
            field = self[q.id]
            if field.invalid:  # a value that is no option: the earlier answer stands
                continue
            if field.data is None or field.data == []:
                if q.type == "multi":
                    # Nothing ticked: for an optional question that is the answer "none of
                    # these"; a required one is simply unanswered again.
                    if q.required:
                        cleared.append(q.id)
                    else:
                        given[q.id] = []
                continue
            if q.type == "multi" and q.max_choices and len(field.data) > q.max_choices:
                continue  # too many ticked: keep the earlier answer until the taker fixes it
            given[q.id] = list(field.data) if q.type == "multi" else field.data
        return given, tuple(cleared)

    def question_errors(self) -> dict[str, str]:
        """{question id: the first problem}, in page order."""
        return {q.id: str(self[q.id].errors[0]) for q in self.questions if self[q.id].errors}


class CsrfOnlyForm(FlaskForm):
    """The start button and the final submit: nothing to ask, only the CSRF token to check."""


def page_form(bank: Bank, number: int, formdata: Any = None, data: dict | None = None) -> PageForm:
    """The form for page `number` (1-based) of `bank`."""
    _section, questions = bank.pages[number - 1]
    return PageForm(questions, formdata=formdata, data=data)


def clean_answers(bank: Bank, answers: dict[str, Any]) -> dict[str, Any]:
    """The stored answers that still fit the bank: a draft may outlive a bank edit (a question
    removed, an option renamed), and those answers must not break the submission."""
    from quiz.engine import validate_answers
    clean, _errors = validate_answers(bank, answers or {}, partial=True)
    return {qid: list(v) if isinstance(v, tuple) else v for qid, v in clean.items()}


def missing_required(bank: Bank, answers: dict[str, Any]) -> list[Question]:
    return [q for q in bank.questions if q.required and _unanswered(answers.get(q.id))]
