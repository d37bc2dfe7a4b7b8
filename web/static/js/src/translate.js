/* Labels in the page's language: bpmn-js's, the properties panel's and ours all go
   through the `translate` service; the strings come from the server-rendered page
   (Flask-Babel), keyed by the English text. Unknown text stays English. */
export function makeTranslate(strings) {
  strings = strings || {};
  return function translate(template, replacements) {
    replacements = replacements || {};
    const text = Object.prototype.hasOwnProperty.call(strings, template) ? strings[template] : template;
    return text.replace(/{([^}]+)}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(replacements, key) ? replacements[key] : whole;
    });
  };
}

function translateFactory(config) {
  return makeTranslate(config && config.strings);
}
translateFactory.$inject = ['config.permitflow'];

export default { translate: ['factory', translateFactory] };
