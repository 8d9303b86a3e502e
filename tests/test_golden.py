"""Golden tests on the shipped bank: the six "daily lives" of seed 003 land where the seed says.

Each answer set is written from the seed's description of that person's day (seed 003, "Careers
in AI: Engineering", the six squares; quoted here in English paraphrase of the Korean), answering
every question as that person would, not tuned to the scorer. If the bank changes and one of these
fails, the bank (or these answers, if a question changed meaning) needs a look: see
docs/scoring.md for how to trace a result.
"""
from __future__ import annotations

import os

import pytest

from quiz.answers import validate_answers
from quiz.bank import load_bank
from quiz.scoring import score
from tests.conftest import SHIPPED_BANKS

BANK_FILE = os.path.join(SHIPPED_BANKS, "know-yourself.yaml")


@pytest.fixture(scope="module")
def bank():  # noqa: ANN201
    if not os.path.exists(BANK_FILE):
        pytest.fail("questions/know-yourself.yaml is missing: the shipped bank is part of the product")
    return load_bank(BANK_FILE)


def outcome(bank, answers: dict) -> dict:  # noqa: ANN001
    clean, errors = validate_answers(bank, answers)
    assert errors == [], [e.message for e in errors]  # every question answered, validly
    return score(bank, clean).to_dict()


# Lee: "AI research, the deep square. Reads papers, runs seminars, prototypes. The 'walking
# library'. Rare outside very large companies."
LEE = {
    "fundamentals-why": 5,            # wants to know why, down to the basics
    "paper-depth": "rederived",       # lives in papers
    "patience-no-results": 5,         # research pays off slowly
    "weekly-progress": 1,             # a week without a demo is normal
    "business-curiosity": 2,
    "proudest-moment": "paper-accepted",
    "process-work": 3,                # not eager for the plumbing, not refusing it either
    "four-offers": "big-company-research",  # Lee's seat: research at a very large company
    "benchmark-or-traffic": 1,        # benchmarks and papers' data
    "sota-unhappy": "analyse-gap",
    "weekly-report": "ablations",
    "foundation-model-shift": "train-elsewhere",
    "which-company": "foundation-lab",
    "customer-complaint": "find-pattern",
    "free-friday": "paper-stack",     # papers and a quick prototype
    "week-tasks": ["seminar", "prototype"],
    "meetings-firefighting": 1,
    "ten-years": "walking-library",   # the seed's own words
    "too-slow-on-phone": "lightweight-papers",
    "low-level": 2,
    "many-sources": 1,
    "team-as-customer": 2,
    "just-give-me-gpus": 5,           # someone else runs the infrastructure
    "experiment-tracking": 2,
    "cluster-failing": "protect-research",
    "labelling-budget": "principled",
    "better-model": "offline-rigour",
    "eval-or-architecture": 4,
    "start-this-month": "reproduce-paper",
    "strong-punch": ["reproduction-writeup"],
    "fe-be": "modelling-first",
    "feature-pitch": "whats-new",
}

# Kim: "Spans data engineering and AIOps. The customer is the AI modelling team. Runs ML workflows
# and infrastructure on Kubernetes and Kubeflow; integrates and versions data arriving from many
# sources; automates and manages the pipelines."
KIM = {
    "fundamentals-why": 3,
    "paper-depth": "what-it-takes",   # reads a paper for what it takes to run
    "patience-no-results": 2,
    "weekly-progress": 3,
    "business-curiosity": 2,
    "proudest-moment": "platform-adopted",
    "process-work": 5,                # the plumbing is the job
    "four-offers": "platform-team",
    "benchmark-or-traffic": 5,        # real traffic
    "sota-unhappy": "check-data",
    "weekly-report": "trustworthy-setup",
    "foundation-model-shift": "llm-ops",
    "which-company": "established-automation",
    "customer-complaint": "trace-versions",  # which model and data version served it
    "free-friday": "automate-step",
    "week-tasks": ["integrate-source", "kubeflow-workflows", "clean-data"],
    "meetings-firefighting": 2,
    "ten-years": "platform-owner",
    "too-slow-on-phone": "server-side",
    "low-level": 2,
    "many-sources": 5,                # the seed's description, nearly word for word
    "team-as-customer": 5,            # "the customer is the AI modelling team"
    "just-give-me-gpus": 1,
    "experiment-tracking": 5,
    "cluster-failing": "own-it",      # Kubernetes and Kubeflow
    "labelling-budget": "pipeline-step",
    "better-model": "canary",
    "eval-or-architecture": 3,
    "start-this-month": "mlops-open-source",
    "strong-punch": ["self-running-pipeline", "oss-merged"],
    "fe-be": "backend-infra",
    "feature-pitch": "data-ready",
}

# Jeon: "The small square inside AI engineer. Trains models, writes the container that runs the
# model and hands it to the serving team; reads papers for ideas that improve the model (data
# augmentation, a different optimizer); preprocesses data and fixes its errors."
JEON = {
    "fundamentals-why": 3,
    "paper-depth": "ran-the-code",    # papers as a source of ideas to try
    "patience-no-results": 2,
    "weekly-progress": 4,             # wants to see the metric move
    "business-curiosity": 4,
    "proudest-moment": "daily-users",
    "process-work": 5,                # preprocessing and fixing data errors is part of the day
    "four-offers": "product-team",
    "benchmark-or-traffic": 4,
    "sota-unhappy": "collect-failures",
    "weekly-report": "business-terms",
    "foundation-model-shift": "fine-tune",   # still trains models
    "which-company": "ai-services",
    "customer-complaint": "patch-and-deploy",
    "free-friday": "try-augmentation",       # the seed's example, word for word
    "week-tasks": ["train-and-package", "clean-data"],  # train, containerise, clean data
    "meetings-firefighting": 2,
    "ten-years": "product-engineer",
    "too-slow-on-phone": "smaller-sooner",   # not an on-device specialist
    "low-level": 2,
    "many-sources": 2,
    "team-as-customer": 2,
    "just-give-me-gpus": 2,
    "experiment-tracking": 3,
    "cluster-failing": "checkpoint-and-ship",
    "labelling-budget": "past-experience",
    "better-model": "domain-blind-review",
    "eval-or-architecture": 2,
    "start-this-month": "product-internship",
    "strong-punch": ["shipped-app"],
    "fe-be": "whole-product",
    "feature-pitch": "worth-building",
}

# Seo: "The same square as Jeon, a different kind. Studies mobile CPU architectures and optimises
# at assembly level; reads papers to follow lightweight models." Same path scores as Jeon in all
# but a few answers; the on-device questions are what tell them apart.
SEO = {
    **JEON,
    "paper-depth": "implemented",
    "business-curiosity": 3,
    "free-friday": "paper-stack",            # lightweight-model papers
    "week-tasks": ["train-and-package", "seminar"],
    "too-slow-on-phone": "assembly",         # mobile CPU, down to assembly
    "low-level": 5,                          # hardware manuals and profiler output
    "feature-pitch": "can-models-do-it",
}

# Jeong: "The big square across AI engineer and AI researcher. When a customer inquiry or
# complaint comes in, improves the data and the model and deploys; asks how evaluation can best
# measure customer satisfaction; packages the problem in a form academia cares about and writes
# it up as a paper."
JEONG = {
    "fundamentals-why": 4,
    "paper-depth": "implemented",
    "patience-no-results": 4,
    "weekly-progress": 3,
    "business-curiosity": 4,
    "proudest-moment": "paper-accepted",     # writes the problem up as a paper
    "process-work": 4,
    "four-offers": "big-company-research",
    "benchmark-or-traffic": 3,               # both
    "sota-unhappy": "build-eval",
    "weekly-report": "ablations",
    "foundation-model-shift": "fine-tune",
    "which-company": "new-value",
    "customer-complaint": "patch-and-deploy",  # complaint → fix data/model → deploy
    "free-friday": "paper-stack",
    "week-tasks": ["eval-metric", "train-and-package", "seminar"],
    "meetings-firefighting": 3,
    "ten-years": "product-engineer",
    "too-slow-on-phone": "lightweight-papers",
    "low-level": 2,
    "many-sources": 2,
    "team-as-customer": 1,                   # the customer is the end user
    "just-give-me-gpus": 3,
    "experiment-tracking": 3,
    "cluster-failing": "checkpoint-and-ship",
    "labelling-budget": "principled",
    "better-model": "satisfaction-metric",   # the seed's question, almost word for word
    "eval-or-architecture": 3,
    "start-this-month": "competition",
    "strong-punch": ["eval-dataset", "reproduction-writeup"],
    "fe-be": "modelling-first",
    "feature-pitch": "can-models-do-it",
}

# Ha: "Across the whole picture: full stack. Firefighting. Many meetings, inside and outside, all
# day. Not a role one starts in: people who went deep in one area become this when they become
# managers." A generalist: no one path dominates.
HA = {
    "fundamentals-why": 3,
    "paper-depth": "implemented",
    "patience-no-results": 3,
    "weekly-progress": 3,
    "business-curiosity": 4,
    "proudest-moment": "competition-win",
    "process-work": 5,                       # all of it, whatever is on fire
    "four-offers": "product-team",
    "benchmark-or-traffic": 3,
    "sota-unhappy": "build-eval",
    "weekly-report": "trustworthy-setup",
    "foundation-model-shift": "fine-tune",
    "which-company": "new-value",
    "customer-complaint": "ask-customer",    # outside meetings
    "free-friday": "reviews",                # reviews the team's code and labels
    "week-tasks": ["eval-metric", "clean-data", "integrate-source"],
    "meetings-firefighting": 5,              # the seed's description of the day
    "ten-years": "across-all",
    "too-slow-on-phone": "server-side",
    "low-level": 3,
    "many-sources": 3,
    "team-as-customer": 3,
    "just-give-me-gpus": 2,
    "experiment-tracking": 4,
    "cluster-failing": "raise-with-lead",    # a manager's move: get it an owner
    "labelling-budget": "pipeline-step",
    "better-model": "domain-blind-review",
    "eval-or-architecture": 3,
    "start-this-month": "competition",
    "strong-punch": ["eval-dataset", "oss-merged"],
    "fe-be": "learn-when-needed",
    "feature-pitch": "can-models-do-it",
}


def test_every_golden_answer_set_answers_every_question(bank):
    for answers in (LEE, KIM, JEON, SEO, JEONG, HA):
        assert set(answers) == {q.id for q in bank.questions}


def test_lee_is_a_researcher(bank):
    """Deep research, papers and seminars all day: clearly researcher, nearest to Lee."""
    o = outcome(bank, LEE)
    assert o["archetype"]["id"] == "lee"
    assert o["primary"] == "researcher" and not o["hybrid"]


def test_kim_is_ops(bank):
    """Pipelines, Kubeflow, data versioning, the modelling team as customer: ops, nearest to Kim."""
    o = outcome(bank, KIM)
    assert o["archetype"]["id"] == "kim"
    assert o["primary"] == "ops" and not o["hybrid"]
    assert "platform" in o["flags"]


def test_jeon_is_an_engineer(bank):
    """Train, containerise, hand over, try augmentations: engineer, nearest to Jeon."""
    o = outcome(bank, JEON)
    assert o["archetype"]["id"] == "jeon"
    assert o["primary"] == "engineer" and not o["hybrid"]
    assert "on-device" not in o["flags"]


def test_seo_is_an_engineer_told_apart_from_jeon_by_on_device_work(bank):
    """Same box as Jeon; the on-device answers set the `on-device` trait, which names Seo."""
    o = outcome(bank, SEO)
    assert o["archetype"]["id"] == "seo"
    assert o["primary"] == "engineer" and not o["hybrid"]
    assert "on-device" in o["flags"]
    # without the on-device evidence, the same person reads as Jeon
    plain = outcome(bank, {**SEO, "too-slow-on-phone": "smaller-sooner"})
    assert "on-device" not in plain["flags"] and plain["archetype"]["id"] == "jeon"


def test_jeong_is_an_engineer_researcher_hybrid(bank):
    """Complaints fixed and deployed, evaluation that tracks satisfaction, papers from it: both."""
    o = outcome(bank, JEONG)
    assert o["archetype"]["id"] == "jeong"
    assert o["hybrid"] and {o["primary"], o["secondary"]} == {"researcher", "engineer"}


def test_ha_is_a_generalist_hybrid(bank):
    """Full stack, firefighting, meetings all day: no single path, nearest to Ha."""
    o = outcome(bank, HA)
    assert o["archetype"]["id"] == "ha"
    assert o["hybrid"]
    assert "generalist" in o["flags"]
