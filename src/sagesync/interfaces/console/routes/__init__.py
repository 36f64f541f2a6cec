"""The console's pages, one module per area: profiles, company (steps and progress), books, downloads."""
