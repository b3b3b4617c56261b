from django.db import models
from django.db.models import F, Q
from django.utils import timezone

CURRENCY_CODE_PATTERN = r"^[a-z0-9]+(:[a-z0-9]+)*$"  # `btc`, `tbtc`, `hteth`, `eth:usdc`; lowercase, `:` between parts
MAX_CURRENCY_DECIMALS = 36


class Currency(models.Model):
    """An asset amounts are counted in. `decimals` says how many base units make one unit (8: 1 BTC = 10^8 sat).

    Amounts themselves are integer strings of base units (`partners.amounts`). A testnet variant may name its
    mainnet counterpart (`tbtc` → `btc`).
    """

    code = models.CharField(max_length=40, unique=True, help_text="Lowercase, e.g. btc, tbtc, hteth.")
    name = models.CharField(max_length=100)
    decimals = models.PositiveSmallIntegerField(help_text="Base-unit decimals: 8 for btc, 18 for eth, 6 for usdc.")
    active = models.BooleanField(default=True)
    testnet = models.BooleanField(default=False)
    mainnet = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="testnets",
        help_text="For a testnet variant: the mainnet currency it stands for.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "currencies"
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=CURRENCY_CODE_PATTERN), name="currency_code_lowercase"),
            models.CheckConstraint(condition=~Q(name=""), name="currency_name_not_blank"),
            models.CheckConstraint(
                condition=Q(decimals__gte=0, decimals__lte=MAX_CURRENCY_DECIMALS), name="currency_decimals_range"
            ),
            models.CheckConstraint(
                condition=Q(mainnet__isnull=True) | Q(testnet=True), name="currency_mainnet_of_testnet"
            ),
            models.CheckConstraint(condition=~Q(mainnet=F("id")), name="currency_not_own_mainnet"),
        ]

    def __str__(self) -> str:
        return self.code
