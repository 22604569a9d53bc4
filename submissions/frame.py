"""The Content-Security-Policy of a rendered notebook, wherever it is served.

The page ``submissions:notebook`` (inside the viewer's ``<iframe sandbox>``) and the API's
rendered fragment (``GET /api/v1/submissions/{pk}/rendered/``) both carry this policy, through
``csp_override``: nothing loads but inline images (``data:``) and our one nonced stylesheet;
``sandbox`` gives the document a unique origin with no scripts and no forms; ``form-action``
and ``base-uri 'none'`` hold where a browser ignores the sandbox, and ``frame-ancestors 'self'``
lets only the platform's own pages frame it (docs/architecture.md, "Render").
"""

from django.utils.csp import CSP

NOTEBOOK_CSP: dict[str, list[str] | str] = {
    "default-src": [CSP.NONE],
    "img-src": ["data:"],
    "style-src": [CSP.NONCE],
    "form-action": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.SELF],
    "sandbox": "",  # the bare directive: a unique origin, no scripts, no forms
}
