import { Detail } from './detail.ts';
import { byId, element } from './dom.ts';
import { Library } from './library.ts';
import { anonymous, apiUrl, call, forgetKey, keepKey, type Session, session, storedKey } from './session.ts';
import { UploadRefused, uploadFile } from './uploads.ts';
import { actionLink, showUsage } from './usage.ts';

/** The page: sign in, then usage, uploads, the library and the detail dialog. */
const start = async (): Promise<void> => {
  const url = await apiUrl();
  const form = byId<HTMLFormElement>('sign-in-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = byId<HTMLInputElement>('api-key').value.trim();
    void signIn(url, key);
  });
  byId<HTMLFormElement>('register-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void register(url);
  });
  byId('sign-out').addEventListener('click', () => {
    forgetKey();
    location.reload();
  });
  const key = storedKey();
  if (key) await signIn(url, key);
};

/**
 * Self-service registration (POST /v1/keys), where the operator opened it: the new key is shown
 * once, then used to sign in. A closed deployment's refusal is shown in its own words.
 */
const register = async (url: string): Promise<void> => {
  const error = byId('register-error');
  const answer = await call(
    anonymous(url).v1.createKey({
      email: byId<HTMLInputElement>('register-email').value.trim(),
      name: byId<HTMLInputElement>('register-name').value.trim(),
    }),
  );
  if (!answer.ok) {
    error.textContent = answer.message;
    return;
  }
  error.textContent = '';
  byId<HTMLInputElement>('new-key').value = answer.data.key;
  byId('registered').hidden = false;
  await signIn(url, answer.data.key);
};

/** The key is checked with GET /v1/usage (any key may read it) before it is kept. */
const signIn = async (url: string, key: string): Promise<void> => {
  const current = session(url, key);
  const error = byId('sign-in-error');
  const answer = await call(current.api.v1.getUsage());
  if (!answer.ok) {
    error.textContent = answer.message;
    forgetKey();
    return;
  }
  error.textContent = '';
  keepKey(key);
  byId<HTMLInputElement>('api-key').value = '';
  byId('sign-in').hidden = true;
  byId('signed-in').hidden = false;
  byId('sign-out').hidden = false;
  byId('main').focus();
  signedIn(current);
};

const signedIn = (current: Session): void => {
  const library = new Library(current, (media) => void detail.open(media));
  const detail = new Detail(current, library);
  void showUsage(current);
  void library.reload();

  byId('batch').addEventListener('click', (event) => {
    const action = (event.target as HTMLElement).dataset.batch;
    if (action) void library.batch(action).then(() => showUsage(current));
  });

  const upload = async (files: File[]) => {
    await Promise.all(
      files.map(async (file) => {
        const bar = element('progress', { max: 1, value: 0 });
        bar.setAttribute('aria-label', `Upload of ${file.name}`);
        const status = element('span', { className: 'status' }, 'Waiting…');
        const row = element('li', {}, element('span', { className: 'name' }, file.name), bar, status);
        byId('uploads').append(row);
        try {
          const uploaded = await uploadFile(current, file, (sent, total) => {
            bar.max = total;
            bar.value = sent;
            status.textContent = sent < total ? `${Math.round((100 * sent) / total)}%` : 'Processing…';
          });
          bar.value = bar.max;
          row.classList.add('done');
          status.textContent = 'Uploaded.';
          library.prepend(uploaded);
        } catch (failure) {
          row.classList.add('failed');
          status.textContent = (failure as Error).message;
          if (failure instanceof UploadRefused) row.append(...actionLink(failure.action));
        }
      }),
    );
    await showUsage(current);
  };
  const picker = byId<HTMLInputElement>('files');
  picker.addEventListener('change', () => {
    void upload([...(picker.files ?? [])]);
    picker.value = '';
  });
  const drop = byId('drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    void upload([...(event.dataTransfer?.files ?? [])]);
  });
};

void start();
