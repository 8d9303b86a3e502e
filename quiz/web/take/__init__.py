"""Taking the quiz: the start page, a page per section, the review page, continue-later."""
from quiz.web.take.routes import bp

__all__ = ["bp"]
