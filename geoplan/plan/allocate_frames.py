"""Tables of an allocation: one row per candidate, budget use per line and year, binding rules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.config.plan import AllocationConfig, FundingOption
from geoplan.plan.allocate_model import Model

__all__ = ["allocation_frame", "binding_sentences", "budget_frame"]


def _option_text(opt: FundingOption) -> str:
    return "+".join(s for s, v in sorted(opt.shares.items()) if v > 0)


def allocation_frame(
    cands: pd.DataFrame,
    model: Model,
    config: AllocationConfig,
    x: np.ndarray,
    *,
    g: np.ndarray,
    method: str,
) -> pd.DataFrame:
    """Return one row per candidate with what the plan ``x`` (and greedy ``g``) funds."""
    years = np.asarray(config.years)
    out = cands.copy()
    n = len(out)
    sources = sorted({s for _, s in model.lines})

    def pick(sel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        opt = np.full(n, -1)
        yr = np.full(n, -1)
        opt[model.var_cand[sel]] = model.var_opt[sel]
        yr[model.var_cand[sel]] = model.var_year[sel]
        return opt, yr, opt >= 0

    opt, yr, funded = pick(x)
    gopt, gyr, gfunded = pick(g)
    out["funded"] = funded
    out["year"] = pd.array(np.where(funded, years[np.maximum(yr, 0)], 0), dtype="Int64")
    out.loc[~funded, "year"] = pd.NA
    out["programme"] = [model.options[o].programme if o >= 0 else "" for o in opt]
    out["source"] = [_option_text(model.options[o]) if o >= 0 else "" for o in opt]
    for s in sources:
        share = np.array([model.options[o].shares.get(s, 0.0) if o >= 0 else 0.0 for o in opt])
        out[f"cost_{s}"] = np.round(out["cost"].to_numpy() * share, 3)
    factor = (1.0 - config.discount) ** (years[np.maximum(yr, 0)] - years[0])
    out["benefit_discounted"] = np.where(funded, out["benefit"].to_numpy() * factor, 0.0)
    out["method"] = method
    out["greedy_funded"] = gfunded
    out["greedy_year"] = pd.array(np.where(gfunded, years[np.maximum(gyr, 0)], 0), dtype="Int64")
    out.loc[~gfunded, "greedy_year"] = pd.NA
    out["greedy_programme"] = [model.options[o].programme if o >= 0 else "" for o in gopt]
    out = out.assign(_f=~out["funded"], _y=out["year"].fillna(9999))
    out = out.sort_values(
        ["_f", "_y", "score", "intervention_id"], ascending=[True, True, False, True], kind="stable"
    )
    return out.drop(columns=["_f", "_y"]).reset_index(drop=True)


def budget_frame(
    model: Model,
    config: AllocationConfig,
    x: np.ndarray,
    *,
    g: np.ndarray,
    prices: np.ndarray,
    cands: pd.DataFrame,
) -> pd.DataFrame:
    """Return budget, spend (plan and greedy), slack and shadow price per line and year."""
    nt = len(config.years)
    cost = cands["cost"].to_numpy(dtype=float)

    def spend(sel: np.ndarray) -> np.ndarray:
        s = np.zeros((len(model.lines), nt))
        vo = model.var_opt[sel]
        amounts = cost[model.var_cand[sel], None] * model.coef[vo]
        for k in range(len(model.lines)):
            s[k] = np.bincount(model.var_year[sel], weights=amounts[:, k], minlength=nt)
        return s

    sm, sg = spend(x), spend(g)
    rows = []
    for k, (p, s) in enumerate(model.lines):
        for t, year in enumerate(config.years):
            r = model.budget_rows[k * nt + t]
            rows.append(
                {
                    "programme": p,
                    "source": s,
                    "year": year,
                    "budget": model.budget[k, t],
                    "spend": round(sm[k, t], 3),
                    "spend_greedy": round(sg[k, t], 3),
                    "slack": round(model.budget[k, t] - sm[k, t], 3),
                    "shadow_price": float(prices[r]) if np.isfinite(prices[r]) else np.nan,
                }
            )
    frame = pd.DataFrame(rows)
    frame["binding"] = frame["shadow_price"].fillna(0.0) > 1e-9
    return frame


def binding_sentences(
    model: Model,
    config: AllocationConfig,
    budget_use: pd.DataFrame,
    x: np.ndarray,
    prices: np.ndarray,
) -> list[str]:
    """Return the budgets and floors that bind, as sentences."""
    out: list[str] = []
    for row in budget_use[budget_use["binding"]].itertuples(index=False):
        out.append(
            f"budget {row.programme}/{row.source} {row.year}: {row.spend:,.0f} of "
            f"{row.budget:,.0f} {config.currency} used; one more {config.currency} "
            f"adds {row.shadow_price:.4g} benefit"
        )
    xfull = np.concatenate([x.astype(float), np.zeros(model.n_carry)])
    for r in model.share_rows:
        lhs = float(np.asarray(model.a_ub[[r]] @ xfull).ravel()[0])
        price = prices[r] if np.isfinite(prices[r]) else 0.0
        if price > 1e-9 or abs(lhs - model.b_ub[r]) <= 1e-6 * max(1.0, abs(model.b_ub[r])):
            out.append(
                f"{model.row_names[r]}: binding (LP shadow price {price:.4g}); "
                "the floor moves money away from higher benefits elsewhere"
            )
    return out
