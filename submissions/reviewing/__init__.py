"""Reviewing at scale: the grading queue, leases, allocation, review states, anonymity.

``leases`` keeps two graders off one submission; ``queue`` lists and picks what to grade;
``allocation`` shares a cohort's participants among its graders; ``states`` moves reviews
from draft to ready to released (one or N at once); ``anonymity`` shows pseudonyms.
"""
