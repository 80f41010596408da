"""The City of Philadelphia's named streets for the whole city: the centerline joined to its names and address
ranges (built from the City's open data, see data/city/SOURCES.md), read by the walking network, the basemap's
labels and the offline geocoder alike. Below routing, maps and services; above core."""
