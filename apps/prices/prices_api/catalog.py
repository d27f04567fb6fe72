"""The price list: bundled JSON, validated and indexed once at startup."""

from __future__ import annotations

import json
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.alias_generators import to_camel


class Price(BaseModel):
    """A product's price. Integer cents, never floats, so sums and comparisons are exact."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, frozen=True, extra="forbid")

    product_id: str = Field(min_length=1, examples=["p-001"])
    # Strict: 12.0, "12" or true in the data file is an error, not a price.
    amount_cents: int = Field(ge=0, strict=True, examples=[1299])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["USD"])


_PRICE_LIST = TypeAdapter(list[Price])


class PriceCatalog:
    def __init__(self, prices: Iterable[Price]) -> None:
        self._by_id: dict[str, Price] = {}
        for price in prices:
            if price.product_id in self._by_id:
                raise ValueError(f"duplicate price for {price.product_id!r}")
            self._by_id[price.product_id] = price

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, product_id: str) -> Price | None:
        return self._by_id.get(product_id)

    def list(self, currency: str | None = None) -> list[Price]:
        prices = sorted(self._by_id.values(), key=lambda p: p.product_id)
        if currency is None:
            return prices
        return [p for p in prices if p.currency == currency]

    @classmethod
    def from_json(cls, text: str) -> PriceCatalog:
        return cls(_PRICE_LIST.validate_python(json.loads(text)))
