import reflex as rx

config = rx.Config(
    app_name="caseapp",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    # A signed-in case management app has nothing for search engines to index.
    disable_plugins=["reflex.plugins.sitemap.SitemapPlugin"],
)
