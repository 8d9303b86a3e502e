"""The starter bank `flask --app app quiz init PATH` writes: small, commented, and passing both
`quiz check` and `quiz simulate`, in the languages asked for.

Texts are given in English and Korean; another language gets the English with a `TODO translate`
comment on the line, so the file passes `check` at once and shows the author what to write.
"""
from __future__ import annotations

import re

from quiz.bank.model import LANG

# Each localised text of the starter, by key: (English, Korean).
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("My first bank: which kind of work suits you?", "나의 첫 문항집: 어떤 일이 나에게 맞을까?"),
    "description": ("Four questions, one minute: a first draft to edit.", "네 문항, 1분이면 끝나는 첫 초안이에요."),
    "builder": ("Builder", "만드는 사람"),
    "builder_summary": ("Turning ideas into things people use.", "아이디어를 사람들이 쓰는 것으로 만드는 일."),
    "builder_advice": ("Ship something small this month, and watch someone use it.",
                       "이번 달에 작은 것 하나를 만들어 내보내고, 누군가 쓰는 모습을 지켜보세요."),
    "builder_step": ("**Start as soon as possible.** Pick one small project you can finish in a week.",
                     "**최대한 빨리 시작하세요.** 일주일 안에 끝낼 수 있는 작은 프로젝트 하나를 고르세요."),
    "thinker": ("Thinker", "파고드는 사람"),
    "thinker_summary": ("Understanding why things work, down to the basics.", "왜 되는지 바닥까지 이해하는 일."),
    "thinker_advice": ("Read one paper a week and explain it to a friend.",
                       "일주일에 논문 한 편을 읽고 친구에게 설명해 보세요."),
    "thinker_step": ("**Start as soon as possible.** Reproduce one result you find surprising.",
                     "**최대한 빨리 시작하세요.** 놀랍다고 느낀 결과 하나를 직접 재현해 보세요."),
    "maker": ("Maya: ships every week", "마야: 매주 내보내는 사람"),
    "maker_desc": ("A day of small releases and quick feedback.", "작은 배포와 빠른 피드백으로 채워지는 하루예요."),
    "scholar": ("Sam: reads and derives", "샘: 읽고 유도하는 사람"),
    "scholar_desc": ("A day of papers, notes and whiteboards.", "논문, 노트, 화이트보드로 채워지는 하루예요."),
    "section": ("About your work", "내 일에 대해"),
    "q_why": ("When something works, I want to know why.", "무언가가 잘 되면, 왜 되는지 알고 싶어요."),
    "q_ship": ("A week without something to show makes me restless.", "보여 줄 게 없이 일주일이 지나면 마음이 급해져요."),
    "not_me": ("Not me at all", "전혀 아니에요"),
    "very_me": ("Very much me", "딱 저예요"),
    "q_friday": ("You have a free afternoon. What do you pick up?", "오후가 통째로 비었어요. 무엇을 하시겠어요?"),
    "o_paper": ("A paper I have been saving", "아껴 둔 논문 읽기"),
    "o_demo": ("A small demo others can try", "다른 사람이 써 볼 수 있는 작은 데모 만들기"),
    "q_proud": ("What would make you proudest a year from now?", "1년 뒤 무엇이 가장 뿌듯할 것 같으세요?"),
    "o_users": ("People using what I made every day", "제가 만든 것을 사람들이 매일 쓰는 것"),
    "o_idea": ("An idea of mine that others build on", "다른 사람들이 제 아이디어를 바탕으로 연구하는 것"),
    "rule": ("You want to know why and you'd read the paper first", "왜 되는지 알고 싶고 논문부터 읽는다는 답변"),
}

TEMPLATE = """\
# yaml-language-server: $schema=bank.schema.json
#
# A starter bank written by `flask --app app quiz init`. It passes `quiz check` and
# `quiz simulate` as it is: edit it a piece at a time and run both after each change.
# The format, every field and every error: docs/authoring.md.

id: {bank_id}                 # a slug, unique among your banks; results are pinned to it
version: 1                    # bump when questions or scoring change
languages: [{languages}]
title: <title>
description: <description>
hybrid_margin: 10             # two paths within this many points (of 100) make a hybrid

paths:                        # the outcomes, in display order
  - id: builder
    title: <builder>
    summary: <builder_summary>
    advice: <builder_advice>
    next_steps:
      - <builder_step>
  - id: thinker
    title: <thinker>
    summary: <thinker_summary>
    advice: <thinker_advice>
    next_steps:
      - <thinker_step>

archetypes:                   # "daily lives": a result names the nearest one
  - id: maya
    title: <maker>
    description: <maker_desc>
    profile: {{builder: 80, thinker: 30}}    # the path scores that typify this day (0-100)
  - id: sam
    title: <scholar>
    description: <scholar_desc>
    profile: {{builder: 30, thinker: 80}}

sections:
  - id: work
    title: <section>

questions:
  - id: why-it-works
    section: work
    type: scale               # scale | choice | multi
    text: <q_why>
    source: "your source: where this item comes from"
    scale: {{min: 1, max: 5, labels: {{1: <not_me>, 5: <very_me>}}}}
    weights: {{thinker: 2}}     # points = weight x (answer - middle of the scale)
  - id: weekly-progress
    section: work
    type: scale
    text: <q_ship>
    source: "your source"
    scale: {{min: 1, max: 5, labels: {{1: <not_me>, 5: <very_me>}}}}
    weights: {{builder: 2, thinker: -1}}   # a negative weight: agreeing counts against a path
  - id: free-afternoon
    section: work
    type: choice
    text: <q_friday>
    source: "your source"
    options:
      - id: paper
        text: <o_paper>
        points: {{thinker: 2}}
      - id: demo
        text: <o_demo>
        points: {{builder: 2}}
  - id: proudest
    section: work
    type: choice
    text: <q_proud>
    source: "your source"
    options:
      - id: users
        text: <o_users>
        points: {{builder: 2}}
      - id: idea
        text: <o_idea>
        points: {{thinker: 2}}

rules:                        # conditions on answers -> points, flags, advice
  - id: reads-first
    description: <rule>
    when: {{all: [{{question: why-it-works, op: ">=", value: 4}}, {{question: free-afternoon, op: "==", value: paper}}]}}
    then: {{points: {{thinker: 1}}}}
"""

_LANG = re.compile(LANG)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(bank_id: str, languages: list[str]) -> str:
    """The starter bank's YAML for `languages` (the first is the bank's main language)."""
    def text(key: str) -> str:
        en, ko = TEXTS[key]
        if len(languages) == 1:
            return _quote(ko if languages[0] == "ko" else en)
        parts = [f"{lang}: {_quote(ko if lang == 'ko' else en)}" for lang in languages]
        return "{" + ", ".join(parts) + "}"
    out = TEMPLATE.format(bank_id=bank_id, languages=", ".join(languages))
    others = [lang for lang in languages if lang not in ("en", "ko")]
    lines = []
    for line in out.splitlines():
        keys = re.findall(r"<([a-z_]+)>", line)
        for key in keys:
            line = line.replace(f"<{key}>", text(key))
        if keys and others:
            line += f"   # TODO translate ({', '.join(others)})"
        lines.append(line)
    return "\n".join(lines) + "\n"


def bad_languages(languages: list[str]) -> list[str]:
    return [lang for lang in languages if not _LANG.match(lang)]
