// Posts the chosen bundle from the browser straight to the Web's /upload/bundles endpoint over HTTP (not through the
// Blazor circuit), and tells the component how the Api answered.
import { attached } from '../file-button.js';

export function attach(input, component, uploadPath) {
    // Gone when the user left the page while this module loaded: there is nothing to attach to.
    if (!input) return;
    input.addEventListener('change', async () => {
        const file = input.files && input.files[0];
        input.value = '';
        if (!file) return;
        component.invokeMethodAsync('ImportStarted', file.name);
        try {
            const response = await fetch(uploadPath, {
                method: 'POST',
                headers: { 'X-FineTune-Upload': '1', 'Content-Type': 'application/zip' },
                body: file,
            });
            const json = (response.headers.get('Content-Type') || '').includes('json');
            component.invokeMethodAsync('ImportFinished', response.status, json ? await response.text() : null);
        } catch {
            component.invokeMethodAsync('ImportFinished', 0, null);
        }
    });
    attached(input);
}
