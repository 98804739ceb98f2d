"""Keep the `admin` role's model permissions complete after every migrate.

Permissions only exist after ``post_migrate`` has created them, so a data migration cannot
grant them; this handler is idempotent and runs after each migrate.
"""

from django.db.models.signals import post_migrate
from django.dispatch import receiver

ADMIN_APPS = ("dataops", "docs_app", "tasks", "accounts")


@receiver(post_migrate, dispatch_uid="dataops.sync_role_permissions")
def sync_role_permissions(sender, using="default", **kwargs) -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from dataops.models import ADMIN_GROUP

    group = Group.objects.using(using).filter(name=ADMIN_GROUP).first()
    if group is None:
        return
    # This handler may run before auth's own post_migrate handler has made the permissions
    # of the app just migrated (receivers run in the order the apps connected them): make
    # them first (idempotent), so the last app's permissions are not left out.
    for label in ADMIN_APPS:
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)
    wanted = Permission.objects.using(using).filter(content_type__app_label__in=ADMIN_APPS)
    group.permissions.add(*wanted)
