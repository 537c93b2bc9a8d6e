"""The contractor portal: incident notifications filed up the outsourcing chain, with receipts (受領証)."""
