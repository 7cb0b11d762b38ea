"""Dashboard pages, each registered with the Dash app by dashboards.init_dashboards."""
