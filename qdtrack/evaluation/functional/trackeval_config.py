"""TrackEval evaluator settings shared by our wrappers."""


def quiet_eval_config(verbose: bool = False,
                      num_workers: int = 1,
                      **overrides) -> dict:
    """A ``trackeval.Evaluator`` config that prints and writes nothing.

    Errors are raised (not logged into site-packages, TrackEval's default),
    and no summary, detail or plot files are written.

    Args:
        verbose (bool): Print TrackEval's results and config.
        num_workers (int): Parallel processes over sequences.
        **overrides: Further evaluator settings.

    Returns:
        dict: The evaluator config.
    """
    import trackeval
    config = trackeval.Evaluator.get_default_eval_config()
    config.update(
        USE_PARALLEL=num_workers > 1,
        NUM_PARALLEL_CORES=num_workers,
        BREAK_ON_ERROR=True,
        RETURN_ON_ERROR=False,
        LOG_ON_ERROR=None,  # the default writes into site-packages
        PRINT_RESULTS=verbose,
        PRINT_CONFIG=verbose,
        TIME_PROGRESS=False,
        OUTPUT_SUMMARY=False,
        OUTPUT_DETAILED=False,
        PLOT_CURVES=False)
    config.update(overrides)
    return config
