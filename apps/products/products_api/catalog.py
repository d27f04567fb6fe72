"""The product catalogue: bundled JSON, validated and indexed once at startup."""

from __future__ import annotations

import json
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class Product(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, examples=["p-001"])
    name: str = Field(min_length=1)
    description: str
    category: str = Field(min_length=1)


_PRODUCT_LIST = TypeAdapter(list[Product])


class ProductCatalog:
    def __init__(self, products: Iterable[Product]) -> None:
        by_id: dict[str, Product] = {}
        for product in products:
            if product.id in by_id:
                raise ValueError(f"duplicate product id {product.id!r}")
            by_id[product.id] = product
        self._by_id = by_id
        # Sorted once: paging needs a stable order and the catalogue never changes at runtime.
        self._ordered = sorted(by_id.values(), key=lambda p: p.id)

    def __len__(self) -> int:
        return len(self._ordered)

    def get(self, product_id: str) -> Product | None:
        return self._by_id.get(product_id)

    def page(self, *, limit: int, offset: int) -> list[Product]:
        return self._ordered[offset : offset + limit]

    @classmethod
    def from_json(cls, text: str) -> ProductCatalog:
        return cls(_PRODUCT_LIST.validate_python(json.loads(text)))
