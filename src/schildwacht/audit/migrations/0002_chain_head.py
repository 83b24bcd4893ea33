"""Create the single chain-head row that audit writers lock."""

from django.db import migrations

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    ChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})


def remove_head(apps, schema_editor):
    apps.get_model("audit", "ChainHead").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create_head, remove_head)]
