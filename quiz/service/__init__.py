"""The use cases: submitting answers (from the quiz or the API), reading a stored result, and
deleting one. Each is one function the web layer calls with plain arguments; each runs in one
transaction of the store.
"""
from quiz.service.preview import PREVIEW_TOKEN, PreviewResult, preview_result
from quiz.service.results import (
                                  SUBMISSION_ID_MAX,
                                  SUBMISSION_ID_MIN,
                                  SUBMISSION_ID_PATTERN,
                                  InvalidAnswers,
                                  InvalidSubmissionId,
                                  Submission,
                                  SubmissionConflict,
                                  archetype_ranking,
                                  check_submission_id,
                                  delete_result,
                                  forget_deleted,
                                  get_result,
                                  iso_utc,
                                  key_matches,
                                  new_token,
                                  on_delete,
                                  purge_expired,
                                  read_result,
                                  result_exists,
                                  result_for_submission,
                                  result_json,
                                  result_url,
                                  snapshot_bank,
                                  submit,
)

__all__ = [
    "SUBMISSION_ID_MAX", "SUBMISSION_ID_MIN", "SUBMISSION_ID_PATTERN", "InvalidAnswers", "InvalidSubmissionId",
    "Submission", "SubmissionConflict", "archetype_ranking", "check_submission_id", "delete_result", "forget_deleted",
    "get_result", "iso_utc", "key_matches", "new_token", "on_delete", "purge_expired", "read_result", "result_exists",
    "result_for_submission",
    "result_json", "result_url", "snapshot_bank", "submit",
    "PREVIEW_TOKEN", "PreviewResult", "preview_result",
]
