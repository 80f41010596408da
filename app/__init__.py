"""filmtour: the Rocky (1976) montage, routed through Philadelphia."""
