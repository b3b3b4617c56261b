"""Common assets and their test variants, with the base-unit decimals of their chains.

Codes and decimals follow the network's own coin list (e.g. `tdot` is Westend with 12 decimals, against 10 for
Polkadot; `hteth` is Ethereum's Holesky testnet). Staff add others in the admin.
"""

from django.db import migrations

# (code, name, decimals, mainnet code or None)
CURRENCIES = [
    ("btc", "Bitcoin", 8, None),
    ("tbtc", "Testnet Bitcoin", 8, "btc"),
    ("bch", "Bitcoin Cash", 8, None),
    ("tbch", "Testnet Bitcoin Cash", 8, "bch"),
    ("ltc", "Litecoin", 8, None),
    ("tltc", "Testnet Litecoin", 8, "ltc"),
    ("doge", "Dogecoin", 8, None),
    ("tdoge", "Testnet Dogecoin", 8, "doge"),
    ("eth", "Ethereum", 18, None),
    ("teth", "Testnet Ethereum", 18, "eth"),
    ("hteth", "Holesky Testnet Ethereum", 18, "eth"),
    ("usdc", "USD Coin", 6, None),
    ("tusdc", "Testnet USD Coin", 6, "usdc"),
    ("usdt", "Tether USD", 6, None),
    ("tusdt", "Testnet Tether USD", 6, "usdt"),
    ("sol", "Solana", 9, None),
    ("tsol", "Testnet Solana", 9, "sol"),
    ("xrp", "XRP", 6, None),
    ("txrp", "Testnet XRP", 6, "xrp"),
    ("xlm", "Stellar", 7, None),
    ("txlm", "Testnet Stellar", 7, "xlm"),
    ("trx", "Tron", 6, None),
    ("ttrx", "Testnet Tron", 6, "trx"),
    ("algo", "Algorand", 6, None),
    ("talgo", "Testnet Algorand", 6, "algo"),
    ("matic", "Polygon", 18, None),
    ("tmatic", "Testnet Polygon", 18, "matic"),
    ("avaxc", "Avalanche C-Chain", 18, None),
    ("tavaxc", "Testnet Avalanche C-Chain", 18, "avaxc"),
    ("dot", "Polkadot", 10, None),
    ("tdot", "Testnet Polkadot", 12, "dot"),
    ("atom", "Cosmos Hub", 6, None),
    ("tatom", "Testnet Cosmos Hub", 6, "atom"),
    ("near", "Near", 24, None),
    ("tnear", "Testnet Near", 24, "near"),
    ("ada", "Cardano", 6, None),
    ("tada", "Testnet Cardano", 6, "ada"),
]


def add_currencies(apps, schema_editor):
    Currency = apps.get_model("partners", "Currency")
    by_code = {}
    for code, name, decimals, mainnet in CURRENCIES:
        by_code[code], _ = Currency.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "decimals": decimals,
                "testnet": mainnet is not None,
                "mainnet": by_code.get(mainnet),
            },
        )


def remove_currencies(apps, schema_editor):
    Currency = apps.get_model("partners", "Currency")
    codes = [code for code, *_ in CURRENCIES]
    Currency.objects.filter(code__in=codes, mainnet__isnull=False).delete()
    Currency.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [migrations.RunPython(add_currencies, remove_currencies)]
