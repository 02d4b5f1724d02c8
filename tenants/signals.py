"""Cache invalidation only: when a council or a domain changes, however it was changed
(service, admin, shell), the cached host lookups for it are dropped.

Entries are dropped at once (so the changing request itself sees the change) and again after
commit (so a request that re-cached the old row between the two cannot keep it alive)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .cache import forget_hosts
from .landing import landing_forget
from .models import Council, Domain


@receiver(post_save, sender=Council)
@receiver(post_delete, sender=Council)
def council_changed(sender, instance: Council, **kwargs) -> None:
    hosts = list(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True))
    transaction.on_commit(lambda: forget_hosts(hosts))
    forget_hosts(hosts)
    transaction.on_commit(landing_forget)
    landing_forget()


@receiver(pre_save, sender=Domain)
def domain_renamed(sender, instance: Domain, **kwargs) -> None:
    if instance.pk:
        old = Domain.objects.filter(pk=instance.pk).values_list("domain", flat=True).first()
        if old and old != instance.domain:
            forget_hosts([old])


@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def domain_changed(sender, instance: Domain, **kwargs) -> None:
    hosts = [instance.domain]
    transaction.on_commit(lambda: forget_hosts(hosts))
    forget_hosts(hosts)
    transaction.on_commit(landing_forget)
    landing_forget()
