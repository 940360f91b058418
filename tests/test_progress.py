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


class RecordingHandle:
    """Stands in for the display handle of the bar: keeps what ``update`` was given."""

    def update(self, bundle, raw=False):
        self.bundle, self.raw = bundle, raw


def test_closing_leaves_the_finished_bar_for_readers_without_a_kernel():
    with capture_output():
        progress = TrainingProgress(200, label="dropout 0.3", unit="epochs")
        progress.handle = RecordingHandle()
        for epoch in range(200):
            progress.step(epoch, 2.0 - epoch / 200)
        progress.close()
    bundle = progress.handle.bundle
    assert progress.handle.raw and "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("dropout 0.3: 200 / 200 epochs, loss 1.005, ")
    assert '<progress value="200" max="200">' in bundle["text/html"] and "200 / 200 epochs" in bundle["text/html"]
