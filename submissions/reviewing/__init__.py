"""Reviewing: everything a grader does with an attempt, and the participant's regrade requests.

``services`` saves and releases reviews (the one release, the one freeze check); ``leases``
keeps two graders off one submission; ``queue`` lists and picks what to grade; ``allocation``
shares a cohort's participants among its graders; ``states`` moves reviews from draft to ready
to released (one or N at once); ``anonymity`` shows pseudonyms; ``rubrics``, ``comments`` and
``regrades`` (with ``mail``) are the rubric, comments on cells and regrade requests. Pages in
``views/``, forms in ``forms/``, REST endpoints in ``api/``, their URLs in ``urls`` and
``api_urls`` (docs/review.md).
"""
