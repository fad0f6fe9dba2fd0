from inventory import Inventory


def test_total_value():
    inventory = Inventory()
    inventory.add("pen", 10, 1.5)
    inventory.add("pen", 2, 1.5)
    assert inventory.total_value() == 18.0


def test_remove_deletes_empty_items():
    inventory = Inventory()
    inventory.add("pen", 3, 1.0)
    inventory.remove("pen", 3)
    assert inventory.total_value() == 0
