import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

config = rx.Config(
    app_name="caseapp",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            # appearance "inherit": light or dark as the device is set (prefers-color-scheme).
            theme=rx.theme(appearance="inherit", accent_color="teal", gray_color="slate",
                           radius="medium"),
        ),
    ],
    # A signed-in case management app has nothing for search engines to index.
    disable_plugins=[SitemapPlugin],
)
