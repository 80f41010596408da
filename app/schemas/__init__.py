"""Request and response models shared by the API, the services and the CLI (above routing/db/maps, below
services in the import order)."""
