import { useEffect, useRef } from 'react';

/** A modal built on <dialog>: the browser keeps focus inside it, Escape cancels, and focus returns to the opener. */
export function Dialog({ title, children, onClose, actions }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    dialog.showModal();
    return () => {
      dialog.close();
      if (opener instanceof HTMLElement && opener.isConnected) {
        opener.focus();
      }
    };
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby="dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id="dialog-title">{title}</h2>
      {children}
      <div className="actions">{actions}</div>
    </dialog>
  );
}
