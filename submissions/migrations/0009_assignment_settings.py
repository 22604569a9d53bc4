"""The settings only submissions reads get their own table (docs/architecture.md, "Assignment
settings"); 0010 copies every assignment's values into it and courses' 0014 drops the old
columns."""

import courses.models.assignments
import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0013_hand_in'),
        ('submissions', '0008_fill_hand_ins'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AssignmentSettings',
            fields=[
                ('assignment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='settings', serialize=False, to='courses.assignment')),
                ('late_grace_minutes', models.PositiveIntegerField(default=0)),
                ('late_penalty_percent', models.DecimalField(decimal_places=2, default=Decimal('0'), help_text='Percent of the maximum points deducted per started unit of lateness.', max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)])),
                ('late_penalty_unit', models.CharField(choices=[('day', 'per day'), ('hour', 'per hour')], default='day', max_length=4)),
                ('late_floor_percent', models.DecimalField(decimal_places=2, default=Decimal('0'), help_text='Late work is never brought below this percentage of the maximum points.', max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)])),
                ('data_file_types', models.JSONField(blank=True, default=courses.models.assignments.default_data_file_types, help_text='Allowed file types for participants\' own data, e.g. ["csv", "parquet"].')),
                ('ignore_stderr_warnings', models.BooleanField(default=True, help_text="Lines like 'file.py:12: FutureWarning: …' do not make a test fail. Switch off for nbgrader's strict behaviour.", verbose_name='ignore warnings on stderr')),
                ('max_data_files', models.PositiveIntegerField(default=10)),
                ('max_data_file_bytes', models.PositiveBigIntegerField(default=52428800)),
                ('posting_policy', models.CharField(choices=[('immediate', 'autograde results at once'), ('on_release', 'everything on release')], default='immediate', max_length=12, verbose_name='posting policy')),
                ('anonymous_grading', models.BooleanField(default=False, verbose_name='anonymous grading')),
                ('identities_revealed_at', models.DateTimeField(blank=True, null=True)),
                ('regrade_window_days', models.PositiveIntegerField(default=7, help_text='How long after release participants may ask for a regrade.', validators=[django.core.validators.MaxValueValidator(365)], verbose_name='regrade window (days)')),
                ('identities_revealed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'assignment settings',
                'verbose_name_plural': 'assignment settings',
            },
        ),
    ]
