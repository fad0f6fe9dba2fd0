"""A tiny inventory of items with quantities and unit prices."""

from dataclasses import dataclass


@dataclass
class Item:
    name: str
    quantity: int
    unit_price: float


class Inventory:
    def __init__(self) -> None:
        self.items: dict[str, Item] = {}

    def add(self, name: str, quantity: int, unit_price: float) -> None:
        if name in self.items:
            self.items[name].quantity += quantity
        else:
            self.items[name] = Item(name, quantity, unit_price)

    def total_value(self) -> float:
        return sum(item.quantity * item.unit_price for item in self.items.values())
