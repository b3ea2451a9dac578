"""Small JSON answers for the page's script: ICD-10-CM codes as staff type them."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from review.fields import code_check
from review.web import current_user

router = APIRouter(dependencies=[Depends(current_user)])


@router.get("/api/codes")
def codes(q: str = "", limit: int = 12):
    """{"code", "valid", "description", "problem", "note", "suggestions": [{code, description, billable}]}."""
    from parsers import icd10

    q = q.strip()[:12]
    norm = icd10.normalize(q)
    if not norm:
        return {"query": q, "code": None, "valid": False, "description": None,
                "problem": "Type a code such as M54.50" if q else None, "note": None, "suggestions": []}
    problem, note, _entry = code_check(norm)
    info = icd10.lookup(norm)
    below = icd10.descendants(norm) if len(norm) >= 3 else []
    suggestions = [{"code": c.code, "description": c.description, "billable": c.billable}
                   for c in below if c.billable][:max(1, min(limit, 50))]
    return {"query": q, "code": norm, "valid": problem is None,
            "description": info.description if info else None, "problem": problem,
            "note": note, "suggestions": suggestions}
