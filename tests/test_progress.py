"""The progress bar of the training loops: the bar follows the iterations, the names stay printed."""

from IPython.utils.capture import capture_output

from rnnlab.progress import TrainingProgress


def test_progress_bar_follows_the_loop_and_prints_names():
    with capture_output() as captured:
        progress = TrainingProgress(1000)
        progress.step(0, 30.0)
        assert progress.bar.value == 1 and "1 / 1,000 iterations, loss 30.000" in progress.text.value
        progress.step(5, 29.0)  # not a multiple of total // 100: the bar is not redrawn
        assert progress.bar.value == 1
        progress.step(510, 25.5)
        assert progress.bar.value == 511 and "loss 25.500" in progress.text.value
        progress.show_names(1999, 24.25, ["minmi", "saurus"])
        progress.step(999, 22.0)
        progress.close()
    assert progress.bar.value == 1000
    assert "iteration  2,000   loss  24.250   minmi  saurus" in captured.stdout
    assert "1,000 iterations in" in captured.stdout


def test_progress_counts_other_units():
    with capture_output() as captured:
        progress = TrainingProgress(3, label="LSTM", unit="epochs")
        for epoch in range(3):
            progress.step(epoch, 1.5)
        progress.close()
    assert progress.bar.description == "LSTM" and "3 / 3 epochs" in progress.text.value
    assert "3 epochs in" in captured.stdout
