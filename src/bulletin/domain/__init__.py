"""Plain dataclasses and rules that know nothing of storage, mail transport or HTTP."""
