"""progress_xl: monthly project progress reporting through workbooks."""
__version__ = "0.1.0"
