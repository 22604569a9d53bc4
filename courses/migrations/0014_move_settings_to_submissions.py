"""Drop the settings that moved to ``submissions.AssignmentSettings``.

It depends on submissions' 0010, which copied every assignment's values into the new table
before these columns go: the one place where a courses migration depends on submissions (the
code itself never imports it; docs/architecture.md, "Assignment settings"). Reversing it
re-adds the columns with their defaults, and reversing 0010 then copies the values back.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0013_hand_in'),
        ('submissions', '0010_copy_assignment_settings'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='assignment',
            name='anonymous_grading',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='data_file_types',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='identities_revealed_at',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='identities_revealed_by',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='ignore_stderr_warnings',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='late_floor_percent',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='late_grace_minutes',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='late_penalty_percent',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='late_penalty_unit',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='max_data_file_bytes',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='max_data_files',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='posting_policy',
        ),
        migrations.RemoveField(
            model_name='assignment',
            name='regrade_window_days',
        ),
    ]
