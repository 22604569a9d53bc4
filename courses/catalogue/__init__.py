"""The public catalogue (docs/catalogue.md): the programs on offer and their cohorts, without
log-in.

``cohorts`` holds the two rules admission shares with the catalogue: when a cohort is open for
applications, and how many places it has left (``Cohort.objects.open_for_applications`` and
``Cohort.objects.with_places_left`` call them). ``certificate_rules`` describes a grading
policy for someone not yet enrolled; ``views`` and ``urls`` serve ``/catalogue/``.
"""
