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

    def remove(self, name: str, quantity: int) -> None:
        item = self.items[name]
        item.quantity -= quantity
        if item.quantity == 0:
            del self.items[name]

    def restock_report(self, threshold: int = 5) -> list[str]:
        low = []
        for item in self.items.values():
            if item.quantity < threshold:
                low.append(f"{item.name}: {item.quantity} left")
        return sorted(low)

    def most_valuable(self) -> Item:
        best = None
        for item in self.items.values():
            if best is None or item.quantity * item.unit_price > best.quantity * best.unit_price:
                best = item
        return best

    def apply_discount(self, percent: float) -> None:
        for item in self.items.values():
            item.unit_price = item.unit_price * (1 - percent / 100)
