"""The Streamlit page, split into small modules (one per view plus shared helpers).

``app.py`` only calls :func:`ui.main.run`.  Views are registered in
:mod:`ui.views`; add a page there (e.g. compare, themes) to get it in the
navigation.
"""
