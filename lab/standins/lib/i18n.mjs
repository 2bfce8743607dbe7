// Messages in the node's language, the way gettext picks them: LANGUAGE, LC_ALL, LC_MESSAGES,
// LANG (a "C"/"POSIX" locale means English). Russian is the one translation the lab carries, with
// the real programs' wording: podsec and podsec-k8s from their .po files (alt-cloud/podsec,
// commit 5014172), gpg from gnupg2.mo (GnuPG 2.2.40), passwd prompts from passwdqc's ru.po (ALT's
// pam_passwdqc), pinentry texts as gpg-agent hands them to pinentry-curses.

/** True when messages should be Russian. */
export function russian(env = process.env) {
  const pick = (name) => (env[name] ?? '').trim();
  const lcAll = pick('LC_ALL');
  const effective = lcAll || pick('LC_MESSAGES') || pick('LANG');
  if (effective === '' || effective === 'C' || effective === 'POSIX' || effective.startsWith('C.')) return false;
  const language = pick('LANGUAGE');
  if (language) return language.split(':')[0].startsWith('ru');
  return effective.startsWith('ru');
}

const RU = {
  // podsec (podsec/po/podsec.po)
  'The IP address of the registry and signature server is not specified': 'Не указан IP-адрес регистратора и сервера подписей',
  'The IP address of the registry and signature server must not be local': 'IP-адрес регистратора и сервера подписей не должен быть локальным',
  'Invalid IP address': 'Некорректный IP-адрес',
  Format: 'Формат',
  'Domains registry.local sigstore.local trivy.local are already bound to IP address': 'Домены registry.local sigstore.local trivy.local уже привязаны к IP адресу',
  'Remove the binding and run the script again': 'Удалите привязку и запустите скрипт заново',
  'Adding a binding of domains registry.local sigstore.local trivy.local to IP address': 'Добавление привязки доменов registry.local sigstore.local trivy.local к IP адресу',
  'Creating podman group': 'Создание группы podman',
  'Creating the directory and subdirectories': 'Создание каталога и подкаталогов',
  'Creating the podman_dev group': 'Создание группы podman_dev',
  'Creating with preservation of the previous policy file': 'Создание с сохранением предыдущего файла политик',
  'Adding insecure access to the registry.local registry in the': 'Добавление insecure-доступа к регистратору registry.local в',
  'Enter the password for user': 'Введите пароль пользователя',
  'the container image developer': 'разработчика  образов контейнеров',
  'Public key not found': 'Не найден открытый ключ',
  'The script must be run by a user with root rights.': 'Скрипт должен запускаться пользователем с правами root',
  'Check if the current server is a server that supports the registry (registry.local) and the image signing server (sigstore.local)':
    'Проверка. Является ли текущий сервер сервером, поддерживающий регистратор (registry.local) и сервер подписи образов (sigstore.local)',
  'It is not possible to create users of the container image developer class': "Создание пользователей класса 'разработчик образов контейнеров' невозможно",
  'Signature server directory /var/sigstore/ not created': 'Не создан каталог /var/sigstore/ сервера подписей',
  'Call the podsec-create-policy script to initialize it': 'Вызовите скрипт podsec-create-policy для его инициализации',
  'Domains registry.local sigstore.local in the file /etc/hosts are bound to a remote server with ip':
    'Домены registry.local sigstore.local в файле /etc/hosts привязаны к удаленному серверу с ip',
  'Domains registry.local sigstore.local are not specified in the /etc/hosts file.': 'Домены registry.local sigstore.local в файле /etc/hosts не указаны',
  'Run the podsec-create-policy script': 'Запустите скрипт podsec-create-policy',
  'The platform': 'Платформа',
  'is predefined by the variable U7S_PLATFORM. This value is taken.': 'преопределена переменной U7S_PLATFORM. Принимается это значение.',
  'Unable to load images': 'Невозможно загрузить образ',
  'The script is called by a user not included in the podman_dev group': 'Скрипт вызывается пользователем не входящим в группу podman_dev',
  'archive_file_name architecture EMail_signer [registry/path]': 'имя_архивного_файла архитектура EMail_подписанта [регистратор/тропа]',
  'Missing path after registry name': 'Отсутствует тропа после имени регистратора',
  Archive: 'Архив',
  'is missing': 'пропущен',
  'Unknown architecture': 'Неизвестная архитектура',
  'Allowed: amd64, arm64, arm, ppc64le, 386': 'Допустимые: amd64, arm64, arm, ppc64le, 386',
  'The registry name must contain a period (.) in the name': 'Имя регистратора должно содержать точку (.) в имени',
  'Unsuccessful archive unfolding': 'Неуспешное разворачивание архива',
  'Invalid archive format. Archive directory': 'Некорректный формат архива. Каталог архива',
  'Current platform': 'Текущая платформа',
  'does not match installed': 'не совпадает c устанавливаемой',
  'Continue (y/N)?': 'Продолжать (y/N)?',
  'Deploying the image': 'Разворачивание образа',
  'to the local system': 'в локальную систему',
  'Signing and transferring the': 'Подпись и передача образа',
  'to the registry': 'в регистратор',
  // podsec-k8s (podsec-k8s/po/podsec-k8s.po)
  Script: 'Скрипт',
  'must be run as root user': 'должен запускаться от пользователя root',
  'An etcd cluster data directory was found on the server': 'На сервере обнаружен каталог данных etcd-кластера',
  'from previous deployment. Clear directory? y/N': 'от предыдущего разворачивания. Очистить каталог? y/N',
  'Entering RootlessKit namespaces': 'Вход в RootlessKit namespaces',
  'nsenter failed after': 'nsenter упало после',
  'attempts, RootlessKit not running': 'попытки, RootlessKit не работает',
  'Variable value': 'Значение переменной',
  'must start with a symbol': 'должно начитаться с символа',
  Warning: 'Предупреждение',
  'version of kubeadm command': 'команда kubeadm версии',
  'already installed': 'уже установлена',
  'Minor version': 'Минорная версия',
  'less than 1.26 is not supported': 'менее 1.26 не поддерживается',
  'Installing packages': 'Установка пакетов',
  'Kubernet version': 'Kubernet-версия',
  'not supported': 'не поддерживается',
  'Image version': 'Версия образа',
  'with tag': 'с тегом',
  'available. Loading...': 'доступна. Загружаем...',
  unavailable: 'недоступна',
  'Within the specified minor version': 'В рамках указанной минорной версии',
  'no images available': 'нет доступных образов',
  'The following minor versions are available': 'Доступны следующие минорные версии',
  'and the following patch versions of images': 'и следующие patch-версии образов',
  'To install one of the specified image versions, specify the selected image version in the environment variable':
    'Для установки одной из указанных версий образов укажите выбранную версию образа в переменной среды',
  Image: 'Образ',
  'on registry': 'на регистраторе',
  'Cluster deployment failed': 'Разворачивание кластера закончилось неудачно',
  'The cluster administrator configuration file is not generated': 'Конфигурационный файл администратора кластера не сформирован',
  // gpg (gnupg2.mo, GnuPG 2.2.40)
  'Please select what kind of key you want:': 'Выберите тип ключа:',
  'Your selection? ': 'Ваш выбор? ',
  'What keysize do you want? (%u) ': 'Какой размер ключа Вам необходим? (%u) ',
  'Key is valid for? (%s) ': 'Срок действия ключа? (%s) ',
  'Key does not expire at all': 'Срок действия ключа не ограничен',
  'Is this correct? (y/N) ': 'Все верно? (y/N) ',
  'Real name: ': 'Ваше полное имя: ',
  'Email address: ': 'Адрес электронной почты: ',
  'Comment: ': 'Примечание: ',
  'Change (N)ame, (C)omment, (E)mail or (O)kay/(Q)uit? ': 'Сменить (N)Имя, (C)Примечание, (E)Адрес; (O)Принять/(Q)Выход? ',
  'Invalid selection.': 'Неправильный выбор.',
  'Name must be at least 5 characters long': 'Имя не должно быть короче 5 символов',
  'Not a valid email address': 'Неправильный адрес электронной почты',
  'Key generation canceled.': 'Создание ключа прервано.',
  'public and secret key created and signed.': 'открытый и секретный ключи созданы и подписаны.',
  // pinentry texts from gpg-agent (gnupg2.mo) and pinentry-curses' buttons
  'Please enter the passphrase to%0Aprotect your new key': 'Введите фразу-пароль%0Aдля защиты нового ключа',
  'Please re-enter this passphrase': 'Повторите фразу-пароль:',
  'Please enter the passphrase to unlock the OpenPGP secret key:': 'Введите фразу-пароль для разблокировки секретного ключа OpenPGP:',
  'Passphrase:': 'Фраза-пароль:',
  '<Cancel>': '<Отмена (C)>',
  'Bad Passphrase': 'Неверная фраза-пароль',
  // passwd with pam_passwdqc (passwdqc po/ru.po, translated by ALT)
  'You can now choose the new password or passphrase.': 'Вы можете выбрать новый пароль или парольную фразу.',
  'Enter new password: ': 'Введите новый пароль: ',
  'Re-type new password: ': 'Повторите новый пароль: ',
  'Sorry, passwords do not match.': 'Пароли не совпадают.',
  'Try again.': 'Попробуйте ещё раз.',
};

/** The message in the node's language (English when there is no translation, like gettext). */
export function t(msgid, env = process.env) {
  return russian(env) ? (RU[msgid] ?? msgid) : msgid;
}
