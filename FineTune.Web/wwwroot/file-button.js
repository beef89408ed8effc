// A button that opens a hidden file input (data-file-input="the input's id"): a real <button>, so Enter and Space open
// the chooser as a click does, which a <label for> does not. The click is handled here, in the browser, because a file
// chooser opens only from the user's own gesture, not from a call through the circuit.
document.addEventListener('click', event => {
    const button = event.target.closest('button[data-file-input]');
    if (button && !button.disabled) document.getElementById(button.dataset.fileInput)?.click();
});

// Called once the caller's change handler is on the input: from then on a chosen file is handled (browser tests wait for it).
export function attached(input) {
    input.dataset.attached = 'true';
}
