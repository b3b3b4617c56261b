"""`manage.py ledger_verify`: recompute every balance from the entries and check every posting balances."""

from django.core.management.base import BaseCommand, CommandError

from allocations.models import LedgerAccount, LedgerTransaction
from allocations.selectors.ledger import ledger_differences


class Command(BaseCommand):
    help = "Recompute every ledger balance from its entries and check every posting sums to zero per currency."

    def handle(self, *args, **options):
        problems = ledger_differences()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"The ledger is inconsistent: {len(problems)} difference(s).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger consistent: {LedgerAccount.objects.count()} accounts, "
                f"{LedgerTransaction.objects.count()} transactions."
            )
        )
