"""Rater bias (advice only): does a supervisor rate more kindly or more harshly than
their department?

For every supervisor's team inside a department: head count, mean and spread
(population standard deviation) of the discretionary rating and of the score, next to
the department's; and each employee's rating *normalised onto the department's scale*:
the team's z-score mapped back with the department's mean and spread,

    normalised = dept_mean + (rating − team_mean) × dept_std ÷ team_std

(a team whose ratings are all equal keeps its offsets: dept_mean + rating − team_mean),
clipped to the allowed rating range.  Nothing here changes a score: the meeting reads
it as a hint.  Teams smaller than ``min_team`` are skipped – two people say nothing
about a rater – and so is a department with only one team (nothing to compare with).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from perf_addin.domain.rules import Rules

MIN_TEAM = 3


def rater_bias(data: Mapping[str, Any] | pd.DataFrame, rules: Rules | None = None,
               min_team: int = MIN_TEAM) -> tuple[pd.DataFrame, np.ndarray]:
    """(teams, normalised rating per employee).

    ``data`` columns: department, supervisor, rating, score (NaN = not scored: left
    out).  ``teams``: department, supervisor, people, rating_mean, rating_std,
    score_mean, score_std, dept_rating_mean, dept_rating_std, dept_score_mean,
    dept_score_std, rating_gap (team − department mean).  The normalised rating is NaN
    for everyone in a skipped team."""
    rules = rules or Rules.default()
    frame = pd.DataFrame({
        "department": pd.Series(np.asarray(data["department"], dtype=object), dtype=object),
        "supervisor": pd.Series(np.asarray(data["supervisor"], dtype=object), dtype=object),
        "rating": np.asarray(data["rating"], dtype=np.float64),
        "score": np.asarray(data["score"], dtype=np.float64),
    })
    ok = frame["rating"].notna() & frame["score"].notna() & frame["supervisor"].notna()
    used = frame[ok]
    dept = used.groupby("department", sort=True)[["rating", "score"]].agg(["mean", "std", "count"])
    team = used.groupby(["department", "supervisor"], sort=True)[["rating", "score"]].agg(["mean", "std", "count"])
    for g in (dept, team):  # population spread: a team of 3 is all of that team
        n = g[("rating", "count")]
        for col in ("rating", "score"):
            g[(col, "std")] = g[(col, "std")] * np.sqrt((n - 1) / n)
    teams_per_dept = team.groupby(level=0).size()
    counts = team[("rating", "count")]
    keep = (counts >= min_team) & (teams_per_dept.reindex(team.index.get_level_values(0)).to_numpy() > 1)
    team = team[keep]
    d = dept.reindex(team.index.get_level_values(0))
    teams = pd.DataFrame({
        "department": team.index.get_level_values(0).astype(object),
        "supervisor": team.index.get_level_values(1).astype(object),
        "people": team[("rating", "count")].to_numpy(),
        "rating_mean": team[("rating", "mean")].to_numpy(), "rating_std": team[("rating", "std")].to_numpy(),
        "score_mean": team[("score", "mean")].to_numpy(), "score_std": team[("score", "std")].to_numpy(),
        "dept_rating_mean": d[("rating", "mean")].to_numpy(), "dept_rating_std": d[("rating", "std")].to_numpy(),
        "dept_score_mean": d[("score", "mean")].to_numpy(), "dept_score_std": d[("score", "std")].to_numpy(),
    })
    teams["rating_gap"] = teams["rating_mean"] - teams["dept_rating_mean"]
    return teams, _normalised(frame, ok, teams, rules)


def _normalised(frame: pd.DataFrame, ok: pd.Series, teams: pd.DataFrame, rules: Rules) -> np.ndarray:
    keys = pd.MultiIndex.from_arrays([frame["department"], frame["supervisor"]])
    t = teams.set_index(["department", "supervisor"]).reindex(keys)
    offset = frame["rating"].to_numpy() - t["rating_mean"].to_numpy()
    team_std = t["rating_std"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(team_std > 0, offset * t["dept_rating_std"].to_numpy() / team_std, offset)
    out = np.clip(t["dept_rating_mean"].to_numpy() + scaled, rules.rating.minimum, rules.rating.maximum)
    return np.where(ok.to_numpy(), out, np.nan)


__all__ = ["MIN_TEAM", "rater_bias"]
